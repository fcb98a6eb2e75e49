#include "runtime/interp/DeviceLauncher.h"

#include <fmt/format.h>

#include <set>

#include "backend/cpu/Executor.h"
#include "runtime/interp/GpuRunner.h"
#include "lower/IRPrinter.h"
#include "lower/LowerDeviceLoop.h"
#include "lower/Pipeline.h"
#include "runtime/interp/Kernel.h"
#include "runtime/interp/LaunchTiming.h"

namespace hel::interp {
namespace {

// Every name a loop reads (a superset of what it takes from the host).
void collectNames(const ast::Node& node, std::set<std::string>& names) {
  if (auto* name = ast::dynCast<ast::Name>(&node)) names.insert(name->id);
  ast::forEachChild(node, [&](const ast::Node& child) { collectNames(child, names); });
}

// The host as device code sees it: values from the interpreter's scopes.
class ScopeEnvironment : public sema::HostEnvironment {
 public:
  ScopeEnvironment(Interpreter& interp, std::shared_ptr<Scope> scope) : interp_(interp), scope_(std::move(scope)) {}

  std::optional<sema::HostBinding> lookup(const std::string& name) override {
    Value* value = scope_->lookup(name);
    if (!value) return std::nullopt;
    return bind(*value);
  }

  std::optional<sema::HostBinding> moduleMember(const std::string& module, const std::string& member) override {
    Value owner = interp_.module(module);
    auto* moduleObject = owner.as<ModuleObject>();
    if (!moduleObject) return std::nullopt;
    std::optional<Value> value = moduleObject->attribute(member);
    if (!value) return std::nullopt;
    return bind(*value);
  }

  sema::HostBinding bind(const Value& value) {
    sema::HostBinding binding;
    using Kind = sema::HostBinding::Kind;
    if (value.isNone()) binding.kind = Kind::None;
    else if (value.isBool()) binding.kind = Kind::Bool, binding.boolValue = value.asBool();
    else if (value.isInt()) binding.kind = Kind::Int, binding.intValue = value.asInt();
    else if (value.isFloat()) binding.kind = Kind::Float, binding.floatValue = value.asFloat();
    else if (value.isStr()) binding.kind = Kind::Str, binding.text = value.asStr();
    else if (value.isDType()) binding.kind = Kind::DType, binding.dtype = value.asDType();
    else if (value.isTensor()) {
      const Tensor& tensor = value.asTensor();
      binding.kind = Kind::Tensor;
      binding.tensor.dtype = tensor.dtype();
      binding.tensor.shape = tensor.shape();
      binding.tensor.strides = tensor.strides();
      binding.tensor.identity = identityOf(tensor);
      binding.tensor.alignment = alignmentOf(tensor);
    } else if (auto* tuple = value.as<TupleObject>()) {
      binding.kind = Kind::Tuple;
      for (const Value& item : tuple->items) binding.items.push_back(bind(item));
    } else if (auto* list = value.as<ListObject>()) {
      binding.kind = Kind::Tuple;
      for (const Value& item : list->items) binding.items.push_back(bind(item));
    } else if (auto* module = value.as<ModuleObject>()) {
      binding.kind = Kind::Module;
      binding.text = module->name;
    } else if (auto* builtin = value.as<BuiltinObject>()) {
      binding.kind = Kind::Builtin;
      binding.builtin = builtin->builtin;
    } else if (auto* function = value.as<FunctionObject>()) {
      binding.kind = Kind::Function;
      binding.def = function->def;
      binding.lambda = function->lambda;
      binding.functionName = function->name;
      binding.closure = std::make_shared<ScopeEnvironment>(interp_, function->closure);
    } else {
      binding.kind = Kind::Other;
      binding.text = typeName(value);
    }
    return binding;
  }

  // Up to 16 bytes. A meta tensor stands for a fresh allocation (aligned far
  // more) viewed at its storage offset.
  static int64_t alignmentOf(const Tensor& tensor) {
    uint64_t address = tensor.isMeta() ? static_cast<uint64_t>(tensor.storageOffset()) * itemSize(tensor.dtype())
                                       : reinterpret_cast<uintptr_t>(tensor.data());
    int64_t alignment = 16;
    while (alignment > 1 && address % static_cast<uint64_t>(alignment) != 0) alignment /= 2;
    return alignment;
  }

  // Tensors are the same kernel parameter when they view the same memory the
  // same way.
  static const void* identityOf(const Tensor& tensor) {
    return tensor.isMeta() ? static_cast<const void*>(&tensor) : static_cast<const void*>(tensor.data());
  }

 private:
  Interpreter& interp_;
  std::shared_ptr<Scope> scope_;
};

// A key piece for one host value a loop may use. Tensors count by dtype,
// shape and strides, and by which of them are the same memory (`aliases`
// numbers each distinct tensor in order of appearance).
struct TensorAliases {
  std::map<const void*, size_t> ordinal;
  std::vector<Tensor> tensors;  // by ordinal
};

void describe(const Value& value, std::string& key, TensorAliases& aliases) {
  if (value.isTensor()) {
    const Tensor& tensor = value.asTensor();
    auto [it, added] = aliases.ordinal.emplace(ScopeEnvironment::identityOf(tensor), aliases.tensors.size());
    if (added) aliases.tensors.push_back(tensor);
    size_t alias = it->second;
    key += fmt::format("T{}[{}]/[{}]#{}@{}", dtypeShortName(tensor.dtype()), fmt::join(tensor.shape(), ","),
                       fmt::join(tensor.strides(), ","), alias, ScopeEnvironment::alignmentOf(tensor));
  } else if (value.isInt()) {
    key += fmt::format("i{}", value.asInt());
  } else if (value.isFloat()) {
    key += fmt::format("f{}", value.asFloat());
  } else if (value.isBool()) {
    key += value.asBool() ? "b1" : "b0";
  } else if (value.isDType()) {
    key += dtypeShortName(value.asDType());
  } else if (value.isStr()) {
    key += "s" + value.asStr();
  } else if (auto* tuple = value.as<TupleObject>()) {
    key += "(";
    for (const Value& item : tuple->items) describe(item, key, aliases), key += ",";
    key += ")";
  } else if (auto* list = value.as<ListObject>()) {
    key += "[";
    for (const Value& item : list->items) describe(item, key, aliases), key += ",";
    key += "]";
  } else if (value.isObject()) {
    key += fmt::format("o{}", static_cast<const void*>(value.asObject().get()));
  } else {
    key += typeName(value);
  }
}

bool hasNestedLoop(const ast::StmtList& body) {
  for (const ast::StmtPtr& stmt : body) {
    if (stmt->kind == ast::NodeKind::For) return true;
    if (auto* branch = ast::dynCast<ast::If>(stmt.get()); branch && (hasNestedLoop(branch->body) || hasNestedLoop(branch->orelse)))
      return true;
  }
  return false;
}

// The heuristic default config (no config given, --autotune none): a 1-D loop
// of elementwise work takes large blocks; loops around inner loops take small
// ones, since their tiles meet the inner loop's in 2-D tiles.
int64_t defaultBlockSize(const ast::For& loop, bool topLevel, int dims, int64_t extent) {
  int64_t cap = !topLevel ? 64 : dims == 1 ? (hasNestedLoop(loop.body) ? 32 : 1024) : (dims == 2 ? 32 : 16);
  int64_t size = 1;
  while (size < extent && size < cap) size *= 2;
  return size;
}

// What the default config chose, as `hel bench` reports it.
std::string defaultConfigText(const std::vector<int64_t>& blockSizes, const tir::Kernel& kernel) {
  return fmt::format("default: block_sizes=[{}], num_warps={}", fmt::join(blockSizes, ", "), kernel.launch.numWarps);
}

}  // namespace

struct DeviceLauncher::Compiled {
  std::unique_ptr<tir::Module> module;
  std::unique_ptr<cpu::CompiledKernel> executable;  // on the CPU
  std::unique_ptr<GpuRunner::Compiled> gpu;         // or on the GPU
  // Each pointer parameter's tensor, as its ordinal among the tensors the
  // loop's names reach (TensorAliases), which the cache key fixes.
  std::vector<size_t> tensorArgs;
  // The block sizes the default config chose, in the order of the loop's tile
  // dims (for `hel bench` to report); empty when the call gave a Config.
  std::vector<int64_t> defaultBlockSizes;
  bool launched = false;  // once: RunOptions::onFirstLaunch has seen it
};

DeviceLauncher::DeviceLauncher() = default;
DeviceLauncher::~DeviceLauncher() = default;

void DeviceLauncher::launch(Interpreter& interp, const ast::For& loop, const std::shared_ptr<Scope>& scope,
                            KernelCall& call) {
  KernelObject& kernel = *call.kernel;
  std::set<std::string> names;
  collectNames(loop, names);
  std::string key = fmt::format("{}|{}|", static_cast<const void*>(&loop), static_cast<const void*>(call.config));
  TensorAliases aliases;
  for (const std::string& name : names) {
    if (Value* value = scope->lookup(name)) {
      key += name + "=";
      describe(*value, key, aliases);
      key += ";";
    }
  }
  ScopeEnvironment environment(interp, scope);
  auto found = cache_.find(key);
  if (found == cache_.end()) {
    lower::DeviceLoopOptions options;
    options.kernelName = kernel.function->name;
    options.dotPrecision = kernel.settings.dotPrecision;
    options.staticShapes = kernel.settings.staticShapes;
    const ConfigObject* config = call.config;
    auto field = [&](const char* name) -> std::optional<Value> {
      if (!config) return std::nullopt;
      return config->attribute(name);
    };
    if (auto warps = field("num_warps"); warps && warps->isInt()) options.numWarps = warps->asInt();
    if (auto stages = field("num_stages"); stages && stages->isInt()) options.numStages = stages->asInt();
    if (auto pid = field("pid_type"); pid && pid->isStr()) options.pidType = pid->asStr();
    if (GpuRunner* gpu = interp.options().gpu) options.persistentPrograms = gpu->device().properties().smCount;
    if (auto groups = field("l2_groupings"); groups) {
      std::vector<Value> values = groups->isInt() ? std::vector<Value>{*groups} : interp.iterate(*groups, call.callRange);
      if (!values.empty() && values[0].isInt()) options.l2Grouping = values[0].asInt();
    }
    if (auto precision = field("dot_precision"); precision && precision->isStr()) options.dotPrecision = precision->asStr();
    if (auto orders = field("loop_orders"); orders) {
      std::vector<Value> lists = interp.iterate(*orders, call.callRange);
      if (!lists.empty())
        for (const Value& axis : interp.iterate(lists[0], call.callRange))
          if (axis.isInt()) options.loopOrder.push_back(axis.asInt());
    }
    int topLevelDims = 0;
    if (auto* iter = ast::dynCast<ast::Call>(loop.iter.get()); iter && !iter->args.empty()) {
      if (auto* list = ast::dynCast<ast::List>(iter->args[0].get())) topLevelDims = static_cast<int>(list->elts.size());
    }
    auto compiled = std::make_unique<Compiled>();
    options.blockSize = [&](const ast::For& tileLoop, int dim, int64_t extent, SourceRange range) -> int64_t {
      auto position = std::make_pair(static_cast<const void*>(&tileLoop), dim);
      auto it = kernel.blockSizeIndex.find(position);
      if (it == kernel.blockSizeIndex.end())
        it = kernel.blockSizeIndex.emplace(position, kernel.tileDimCount++).first;
      int index = it->second;
      if (config && config->hasBlockSizes) {
        if (index >= static_cast<int>(config->blockSizes.size())) {
          Diagnostic error = DiagnosticEngine::make(diag::TooFewBlockSizes, range, config->blockSizes.size(),
                                                    kernel.function->name, index + 1);
          error.notes.push_back(DiagnosticEngine::make(diag::ConfigGivenHere, config->blockSizesRange));
          throw lower::CompileError{error};
        }
        return config->blockSizes[index];
      }
      bool topLevel = &tileLoop == &loop;
      int64_t size = defaultBlockSize(tileLoop, topLevel, topLevel ? std::max(topLevelDims, 1) : 1, extent);
      compiled->defaultBlockSizes.push_back(size);
      return size;
    };
    try {
      lower::LoweredLoop lowered = lower::lowerDeviceLoop(loop, environment, options);
      const auto& passes = interp.options().passes;
      std::string broken = passes && passes->empty() ? "" : tir::runPasses(*lowered.module, passes.value_or(std::vector<std::string>{}));
      if (!broken.empty())
        throw std::logic_error("internal compiler error: " + broken + "\n" + tir::print(*lowered.module));
      compiled->module = std::move(lowered.module);
      for (const void* identity : lowered.tensorArgs) {
        auto alias = aliases.ordinal.find(identity);
        if (alias == aliases.ordinal.end())
          throw ScriptError{kExitCompileError, DiagnosticEngine::make(diag::TensorThroughClosure, loop.range)};
        compiled->tensorArgs.push_back(alias->second);
      }
    } catch (lower::CompileError& error) {
      throw ScriptError{kExitCompileError, error.diagnostic};
    }
    if (interp.options().onCompiled) interp.options().onCompiled(*compiled->module);
    const tir::Kernel& kernelIR = *compiled->module->kernels[0];
    if (GpuRunner* gpu = interp.options().gpu; gpu && !interp.options().device.isMeta()) {
      try {
        compiled->gpu = gpu->compile(kernelIR);
      } catch (const nvptx::Unsupported& unsupported) {
        throw ScriptError{kExitCompileError,
                          DiagnosticEngine::make(diag::BackendUnsupported, unsupported.location, unsupported.message)};
      } catch (const RuntimeError& error) {
        throw ScriptError{kExitRuntimeError, DiagnosticEngine::make(diag::ScriptFailed, loop.range, error.what())};
      }
    } else {
      compiled->executable = std::make_unique<cpu::CompiledKernel>(kernelIR);
    }
    ++compilations;
    found = cache_.emplace(key, std::move(compiled)).first;
  }
  Compiled& compiled = *found->second;
  if (interp.options().device.isMeta()) return;

  std::vector<cpu::Argument> args;
  for (size_t ordinal : compiled.tensorArgs) {
    const Tensor& tensor = aliases.tensors[ordinal];
    int64_t elements = static_cast<int64_t>(tensor.storage()->bytes() / itemSize(tensor.dtype())) - tensor.storageOffset();
    args.push_back(cpu::Argument::pointer(tensor.data(), elements, tensor.dtype()));
  }
  const tir::Kernel& ir = *compiled.module->kernels[0];
  GpuRunner* gpu = interp.options().gpu;
  auto runOnHost = [&] {
    std::vector<Diagnostic> faults;
    DiagnosticEngine capture([&](const Diagnostic& d) { faults.push_back(d); });
    if (!compiled.executable->run(args, capture))
      throw ScriptError{kExitRuntimeError, faults.empty() ? DiagnosticEngine::make(diag::ScriptFailed, loop.range, "the kernel faulted")
                                                          : faults.front()};
  };
  try {
    if (!compiled.launched && interp.options().onFirstLaunch) {
      compiled.launched = true;
      std::vector<Tensor> tensors;
      for (size_t ordinal : compiled.tensorArgs) tensors.push_back(aliases.tensors[ordinal]);
      std::string config = call.config ? call.config->repr() : defaultConfigText(compiled.defaultBlockSizes, ir);
      FirstLaunch first{kernel.function->name, config, static_cast<int>(loop.range.line()), ir, args, std::move(tensors), {}};
      if (compiled.gpu) {
        first.time = [&](const bench::Settings& settings) { return gpu->benchmark(*compiled.gpu, ir, args, settings); };
      } else {
        first.time = [&](const bench::Settings& settings) {
          bench::WallClock clock;
          return timeRepeatedLaunch(ir, args, clock, runOnHost, settings);
        };
      }
      interp.options().onFirstLaunch(first);
    }
    if (compiled.gpu) gpu->run(*compiled.gpu, ir, args);
    else runOnHost();
  } catch (const RuntimeError& error) {
    throw ScriptError{kExitRuntimeError,
                      DiagnosticEngine::make(diag::GpuKernelFailed, loop.range, kernel.function->name, error.what())};
  }
}

}  // namespace hel::interp
