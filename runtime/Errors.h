// The one exception type of tensor operations and runtime files. Messages follow
// PyTorch's wording where PyTorch has one; the caller adds the script's source location.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <utility>

namespace hel {

class RuntimeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

template <class... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw RuntimeError(fmt::format(format, std::forward<Args>(args)...));
}

// Throws when `condition` is false; the message is formatted only then, but the
// arguments are evaluated always: pass cheap ones, and build strings (shapes) only
// under `if (...) fail(...)`.
template <class... Args>
void check(bool condition, fmt::format_string<Args...> format, Args&&... args) {
  if (!condition) fail(format, std::forward<Args>(args)...);
}

}  // namespace hel
