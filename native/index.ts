// Public surface of the live AF_XDP backend.
export { loadNative, nativeAvailable, NATIVE_DIR, ADDON_PATH, BPF_OBJECT_PATH, XSK_DROP_TOOL, BUILD_HINT } from './load.js';
export { mapNativeError } from './errno.js';
export {
  XskPortSet, MAX_QUEUES, threadCpu, type PortSetOptions, type PortOptions, type BatchArrays, type XdpSocketStats, type PortCounters,
  type ProgramStats, type FrameAccounting, type PortInfo, type XdpMode, type CopyMode,
} from './xsk.js';
export {
  TENANT_OPERATOR, TenantConfigError, tenantLimits, compileSelectors, compileQuotas, parsePrefix,
  setTenantSelectors, setTenantQuotas, readTenantCounters,
  type TenantSelector, type TenantQuota, type TenantCounters, type TenantLimits, type ProtoName,
} from './tenants.js';
export { peerCredentials, socketPeer, type PeerCredentials } from './peercred.js';
