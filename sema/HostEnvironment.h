// What device code sees of the host: the values of the names a device loop
// uses but does not assign (tensors, numbers, dtypes, modules, functions).
// The host interpreter implements it over its scopes, so that sema and lower
// do not depend on the interpreter.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "parser/Ast.h"
#include "sema/Builtins.h"
#include "support/DType.h"

namespace hel::sema {

class HostEnvironment;

struct HostTensorInfo {
  DType dtype = DType::Float32;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;  // in elements
  // Identifies the tensor for the launch: two names bound to one tensor object
  // share a kernel parameter.
  const void* identity = nullptr;
  // Bytes its first element's address is a multiple of, up to 16 (a power of
  // two): what vector loads and stores of the kernel may assume.
  int64_t alignment = 16;
};

struct HostBinding {
  enum class Kind { None, Bool, Int, Float, Str, DType, Tensor, Tuple, Module, Builtin, Function, Other };
  Kind kind = Kind::None;
  bool boolValue = false;
  int64_t intValue = 0;
  double floatValue = 0;
  std::string text;     // Str; Module: its dotted name; Other: its type's name
  DType dtype = DType::Float32;
  HostTensorInfo tensor;
  std::vector<HostBinding> items;  // Tuple
  const Builtin* builtin = nullptr;
  // Function: a user `def` or lambda, with the environment it closes over.
  const ast::FunctionDef* def = nullptr;
  const ast::Lambda* lambda = nullptr;
  std::shared_ptr<HostEnvironment> closure;
  std::string functionName;
};

class HostEnvironment {
 public:
  virtual ~HostEnvironment() = default;
  // The host value of `name`, or nullopt when the name is not bound.
  virtual std::optional<HostBinding> lookup(const std::string& name) = 0;
  // A member of a module (`torch.float32`, `torch.nn`), or nullopt.
  virtual std::optional<HostBinding> moduleMember(const std::string& module, const std::string& member) = 0;
};

}  // namespace hel::sema
