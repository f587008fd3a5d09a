// The ABI v1 contract, guest side: the numbers come from abi/contract.json
// through scripts/gen-abi.mjs (guest-sdk/generated/abi.ts); docs/abi.md explains them.

export * from "./generated/abi";
