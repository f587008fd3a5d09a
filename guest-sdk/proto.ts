// Protocol numbers the SDK parses (IEEE EtherTypes, IANA IP protocol numbers).

export const ETH_HLEN: u32 = 14;
export const VLAN_HLEN: u32 = 4;
/** Most VLAN tags the parser walks before giving up on a frame (QinQ needs 2). */
export const MAX_VLAN_TAGS: u32 = 4;

export const ETH_P_IPV4: u16 = 0x0800;
export const ETH_P_ARP: u16 = 0x0806;
export const ETH_P_IPV6: u16 = 0x86dd;
export const ETH_P_8021Q: u16 = 0x8100;
export const ETH_P_8021AD: u16 = 0x88a8;
/** Pre-standard QinQ outer tag some switches still send. */
export const ETH_P_QINQ_OLD: u16 = 0x9100;

export const IPPROTO_HOPOPTS: u8 = 0;
export const IPPROTO_ICMP: u8 = 1;
export const IPPROTO_TCP: u8 = 6;
export const IPPROTO_UDP: u8 = 17;
export const IPPROTO_ROUTING: u8 = 43;
export const IPPROTO_FRAGMENT: u8 = 44;
export const IPPROTO_ESP: u8 = 50;
export const IPPROTO_AH: u8 = 51;
export const IPPROTO_ICMPV6: u8 = 58;
export const IPPROTO_NONE: u8 = 59;
export const IPPROTO_DSTOPTS: u8 = 60;

/** Most IPv6 extension headers the parser walks (real traffic has 0-3). */
export const MAX_IPV6_EXT_HEADERS: u32 = 8;
