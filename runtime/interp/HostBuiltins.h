// The host side of the builtin table (sema/Builtins.def): each Rule evaluated on
// host values, with the tensor library of runtime/.
#pragma once

#include <string>

#include "runtime/interp/Interpreter.h"

namespace hel::interp {

class HostBuiltins {
 public:
  explicit HostBuiltins(Interpreter& interp) : interp_(interp) {}

  // Calls a builtin; `self` is the receiver of a tensor method, else null.
  Value call(const sema::Builtin& builtin, const Value* self, CallArgs& args);
  // `x.shape`, `x.dtype`, `x.T`, and methods (`x.sum` as a bound method).
  Value tensorAttribute(const Value& tensor, const std::string& name, SourceRange range);

 private:
  Value evaluate(const sema::Builtin& builtin, class BoundArgs& args);
  Device resolveDevice(const Value& device) const;

  Interpreter& interp_;
};

}  // namespace hel::interp
