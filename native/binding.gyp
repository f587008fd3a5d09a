{
  "targets": [
    {
      "target_name": "wasmxdp",
      "sources": ["src/addon.cc", "src/xsk_set.cc", "src/xdp_program.cc", "src/stack_reinject.cc", "src/ingress_mirred_filter.cc", "src/tenant_maps.cc", "src/peercred.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "../abi/include"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wno-missing-field-initializers"],
      "libraries": ["-lxdp", "-lbpf"]
    }
  ]
}
