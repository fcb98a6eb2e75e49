// Kernels as interpreter values: `@helion.kernel(...)` wraps a function into a
// KernelObject; calling it binds the arguments, runs the host part and launches
// each device loop (DeviceLauncher.h). Also `helion.Config` and the binding of
// a call's arguments to a user function's parameters.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/interp/Interpreter.h"

namespace hel::interp {

// `helion.Config(...)`: the fields of LANGUAGE.md §7, validated when made.
struct ConfigObject : Object {
  std::string typeName() const override { return "Config"; }
  std::string repr() const override;
  std::optional<Value> attribute(const std::string& name) const override;
  // Every field as given (nested block_sizes flattened), in a fixed order.
  std::vector<int64_t> blockSizes;
  bool hasBlockSizes = false;
  SourceRange blockSizesRange;  // the `block_sizes=` argument
  std::map<std::string, Value> fields;
};

// The names `helion.Config` accepts, for its error message.
const std::vector<std::string>& configFieldNames();

struct KernelSettings {
  std::shared_ptr<ConfigObject> config;  // null: the default config (or tuning)
  std::vector<std::shared_ptr<ConfigObject>> configs;
  bool staticShapes = true;
  std::string dotPrecision = "ieee";
  std::string autotuneEffort = "quick";
};

struct KernelObject : Object {
  std::string typeName() const override { return "Kernel"; }
  std::string repr() const override { return "<helion kernel " + function->name + ">"; }
  std::shared_ptr<FunctionObject> function;
  KernelSettings settings;
  // Each `hl.tile` dimension's index into Config.block_sizes, by loop and
  // dimension, in the order the kernel first reaches them (source order).
  std::map<std::pair<const void*, int>, int> blockSizeIndex;
  int tileDimCount = 0;
};

// The state of one kernel call while its host part runs.
struct KernelCall {
  KernelObject* kernel;
  const ConfigObject* config;  // null: the default config
  SourceRange callRange;
};

// `@helion.kernel` / `@helion.kernel(...)`.
Value makeKernelDecorator(Interpreter& interp, CallArgs& args, const Value& function, KernelSettings settings);
Value callKernel(Interpreter& interp, KernelObject& kernel, CallArgs& args);
Value makeConfig(CallArgs& args);

// Named dims of jaxtyping annotations bound during one call: size, and which
// argument bound it.
using JaxtypingDims = std::map<std::string, std::pair<int64_t, std::string>>;

// Binds a call's arguments to a user function's parameters (Python's rules and
// messages) and checks jaxtyping annotations; fills `locals`. Arguments that do
// not fit a kernel's parameters are a compile error, else Python's TypeError.
JaxtypingDims bindParameters(Interpreter& interp, const FunctionObject& function, CallArgs& args,
                             std::unordered_map<std::string, Value>& locals, bool isKernel);
// Checks the function's result against its jaxtyping return annotation.
void checkReturnContract(const FunctionObject& function, const Value& result, JaxtypingDims bound,
                         SourceRange range);

}  // namespace hel::interp
