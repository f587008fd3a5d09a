// Protocol numbers the SDK parses (IEEE EtherTypes, IANA IP protocol numbers)
// and the parsers' bounds: abi/contract.json "protocols", shared with the C SDK.

export {
  ETH_HLEN,
  VLAN_HLEN,
  MAX_VLAN_TAGS,
  ETH_P_IPV4,
  ETH_P_ARP,
  ETH_P_IPV6,
  ETH_P_8021Q,
  ETH_P_8021AD,
  ETH_P_QINQ_OLD,
  IPPROTO_HOPOPTS,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPPROTO_ROUTING,
  IPPROTO_FRAGMENT,
  IPPROTO_ESP,
  IPPROTO_AH,
  IPPROTO_ICMPV6,
  IPPROTO_NONE,
  IPPROTO_DSTOPTS,
  MAX_IPV6_EXT_HEADERS,
} from "./generated/proto";
