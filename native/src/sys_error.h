// A failed system or library call: which operation, which errno, and context
// (interface, mode). The N-API layer turns it into a JS Error with `errno`,
// `op` and `detail`; native/errors.ts turns that into a WasmxdpError.
#pragma once
#include <cstring>
#include <stdexcept>
#include <string>

struct SysError : std::runtime_error {
  std::string op;
  int err;
  std::string detail;
  SysError(std::string op_, int err_, std::string detail_ = "")
      : std::runtime_error(op_ + (detail_.empty() ? "" : " (" + detail_ + ")") + ": " +
                           std::strerror(err_ < 0 ? -err_ : err_)),
        op(std::move(op_)), err(err_ < 0 ? -err_ : err_), detail(std::move(detail_)) {}
};

// Invalid arguments caught natively (the TS wrapper validates first).
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
