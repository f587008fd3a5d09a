// wasmxdp guest SDK: what a handler imports as "wasmxdp". guest-sdk/README.md
// documents it.
export * from "./verdict";
export * from "./proto";
export { Packet } from "./packet";
export { Ethernet, Vlan } from "./ethernet";
export * from "./arp";
export * from "./ipv4";
export * from "./ipv6";
export * from "./tcp";
export * from "./udp";
export * from "./icmp";
export { pushVlan, popVlan } from "./vlan";
export * from "./checksum";
export * from "./services";
export * from "./maps";
export { load16be, load32be, load64be, load48be, store16be, store32be, store64be, store48be } from "./bytes";
