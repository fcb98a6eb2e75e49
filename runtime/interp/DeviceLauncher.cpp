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
#include "runtime/interp/LoopTuning.h"
#include "runtime/tune/SearchSpace.h"
#include "runtime/tune/TuneFile.h"

namespace hel::interp {
namespace {

// Every name a loop reads (a superset of what it takes from the host).
void collectNames(const ast::Node& node, std::set<std::string>& names) {
  if (auto* name = ast::dynCast<ast::Name>(&node)) names.insert(name->id);
  ast::forEachChild(node, [&](const ast::Node& child) { collectNames(child, names); });
}

// The tensors a loop's names reach, one per view: the same memory seen with
// the same dtype, shape and strides. A view is one kernel parameter, and its
// identity (what sema's HostBinding carries) is the address of its key here.
// `x.T` and `x` are two parameters: one parameter for both would index one
// of them with the other's strides.
struct TensorAliases {
  std::map<std::string, size_t> ordinal;  // by viewKey
  std::vector<Tensor> tensors;            // by ordinal

  static std::string viewKey(const Tensor& tensor) {
    // A meta tensor stands for a fresh allocation of its own.
    const void* memory = tensor.isMeta() ? static_cast<const void*>(&tensor) : static_cast<const void*>(tensor.data());
    // A dim of size 1 is never stepped along: its stride does not make another view.
    std::vector<std::string> strides;
    for (size_t d = 0; d < tensor.shape().size(); ++d)
      strides.push_back(tensor.shape()[d] == 1 ? "*" : std::to_string(tensor.strides()[d]));
    return fmt::format("{}:{}[{}]/[{}]", memory, dtypeShortName(tensor.dtype()), fmt::join(tensor.shape(), ","),
                       fmt::join(strides, ","));
  }
  // The tensor's ordinal, numbering it if it is new.
  size_t add(const Tensor& tensor) {
    auto [it, added] = ordinal.emplace(viewKey(tensor), tensors.size());
    if (added) tensors.push_back(tensor);
    return it->second;
  }
  // The identity of a tensor that add() has seen; null for others.
  const void* identityOf(const Tensor& tensor) const {
    auto it = ordinal.find(viewKey(tensor));
    return it == ordinal.end() ? nullptr : static_cast<const void*>(&it->first);
  }
  std::optional<size_t> ordinalOf(const void* identity) const {
    for (const auto& [key, index] : ordinal)
      if (static_cast<const void*>(&key) == identity) return index;
    return std::nullopt;
  }
};

// The host as device code sees it: values from the interpreter's scopes.
class ScopeEnvironment : public sema::HostEnvironment {
 public:
  ScopeEnvironment(Interpreter& interp, std::shared_ptr<Scope> scope, const TensorAliases& aliases)
      : interp_(interp), scope_(std::move(scope)), aliases_(aliases) {}

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
      binding.tensor.identity = aliases_.identityOf(tensor);
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
      binding.closure = std::make_shared<ScopeEnvironment>(interp_, function->closure, aliases_);
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

 private:
  Interpreter& interp_;
  std::shared_ptr<Scope> scope_;
  const TensorAliases& aliases_;
};

// A key piece for one host value a loop may use. Tensors count by dtype,
// shape and strides, and by which of them are the same view (`aliases`
// numbers each distinct view in order of appearance).
void describe(const Value& value, std::string& key, TensorAliases& aliases) {
  if (value.isTensor()) {
    const Tensor& tensor = value.asTensor();
    size_t alias = aliases.add(tensor);
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

// The specialization as the tune file keys it: the host values the loop uses, by name, in
// a form that is the same from one run to the next (no addresses): tensors by dtype and
// shape (and strides where not contiguous), numbers and strings by value.
std::string argumentsText(const std::set<std::string>& names, Scope& scope) {
  std::vector<std::string> parts;
  for (const std::string& name : names) {
    Value* value = scope.lookup(name);
    if (!value) continue;
    if (value->isTensor()) {
      const Tensor& tensor = value->asTensor();
      std::string text = fmt::format("{}={}[{}]", name, tir::irName(tensor.dtype()), fmt::join(tensor.shape(), ","));
      if (!tensor.isContiguous()) text += fmt::format("/[{}]", fmt::join(tensor.strides(), ","));
      parts.push_back(text);
    } else if (value->isInt() || value->isFloat() || value->isBool() || value->isStr() || value->isDType()) {
      std::string key;
      TensorAliases unused;
      describe(*value, key, unused);
      parts.push_back(name + "=" + key);
    }
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

// Which config a loop is lowered with: the call's Config, a LoopConfig (from the tune
// file or a tuning candidate), or the default.
struct ConfigChoice {
  const ConfigObject* config = nullptr;
  const tune::LoopConfig* loopConfig = nullptr;
};

// What lowering a loop found out about its tile dims, in the order it asked for them.
struct LoweredDims {
  tune::LoopShape shape;
  std::vector<int64_t> blockSizeIndices;
  std::vector<int64_t> blockSizes;
  std::vector<int64_t> defaultBlockSizes;  // those the default config chose
  std::vector<size_t> defaultDims;         // and where, among blockSizes
};

}  // namespace

struct DeviceLauncher::Compiled {
  std::unique_ptr<tir::Module> module;
  std::unique_ptr<cpu::CompiledKernel> executable;  // on the CPU
  std::unique_ptr<GpuRunner::Compiled> gpu;         // or on the GPU
  // Each pointer parameter's tensor, as its ordinal among the tensors the
  // loop's names reach (TensorAliases), which the cache key fixes.
  std::vector<size_t> tensorArgs;
  LoweredDims dims;
  tune::LoopConfig loopConfig;  // what it was lowered with
  std::string configText;       // as `hel bench` reports it
  tune::LoopKey tuneKey;
  bool launched = false;  // once: RunOptions::tuneLoop and onFirstLaunch have seen it
};

namespace {

// Lowers one device loop of one call under any config (DeviceLoopOptions from it).
class LoopLowering {
 public:
  LoopLowering(Interpreter& interp, KernelCall& call, const ast::For& loop, sema::HostEnvironment& environment)
      : interp_(interp), kernel_(*call.kernel), call_(call), loop_(loop), environment_(environment) {}

  lower::LoweredLoop lower(ConfigChoice choice, LoweredDims& dims) {
    lower::DeviceLoopOptions options = optionsFor(choice);
    std::map<std::pair<const void*, int>, int64_t> asked;
    options.blockSize = [&](const ast::For& tileLoop, int dim, int64_t extent, SourceRange range) -> int64_t {
      auto position = std::make_pair(static_cast<const void*>(&tileLoop), dim);
      if (auto seen = asked.find(position); seen != asked.end()) return seen->second;
      int64_t size = blockSize(choice, tileLoop, position, extent, range, dims);
      asked[position] = size;
      return size;
    };
    try {
      lower::LoweredLoop lowered = lower::lowerDeviceLoop(loop_, environment_, options);
      const auto& passes = interp_.options().passes;
      std::string broken =
          passes && passes->empty() ? "" : tir::runPasses(*lowered.module, passes.value_or(std::vector<std::string>{}));
      if (!broken.empty())
        throw std::logic_error("internal compiler error: " + broken + "\n" + tir::print(*lowered.module));
      return lowered;
    } catch (lower::CompileError& error) {
      throw ScriptError{kExitCompileError, error.diagnostic};
    }
  }

  // The knobs of `choice` as a LoopConfig (block sizes as lowering chose them).
  tune::LoopConfig loopConfigOf(ConfigChoice choice, const LoweredDims& dims) {
    lower::DeviceLoopOptions options = optionsFor(choice);
    tune::LoopConfig config;
    config.blockSizes = dims.blockSizes;
    config.numWarps = options.numWarps;
    config.numStages = options.numStages;
    config.pidType = options.pidType;
    config.l2Grouping = options.l2Grouping;
    config.loopOrder = options.loopOrder;
    return config;
  }

  // Halves the largest block size the default config chose for the next lower();
  // false when all are 1.
  bool halveLargestDefault(const LoweredDims& dims) {
    size_t largest = dims.blockSizes.size();
    for (size_t local : dims.defaultDims)
      if (dims.blockSizes[local] > 1 && (largest == dims.blockSizes.size() || dims.blockSizes[local] > dims.blockSizes[largest]))
        largest = local;
    if (largest == dims.blockSizes.size()) return false;
    if (defaultHalvings_.size() <= largest) defaultHalvings_.resize(largest + 1, 0);
    ++defaultHalvings_[largest];
    return true;
  }

 private:
  lower::DeviceLoopOptions optionsFor(ConfigChoice choice) {
    lower::DeviceLoopOptions options;
    options.kernelName = kernel_.function->name;
    options.dotPrecision = kernel_.settings.dotPrecision;
    options.staticShapes = kernel_.settings.staticShapes;
    if (GpuRunner* gpu = interp_.options().gpu) options.persistentPrograms = gpu->device().properties().smCount;
    const ConfigObject* config = choice.config;
    auto field = [&](const char* name) -> std::optional<Value> {
      if (!config) return std::nullopt;
      return config->attribute(name);
    };
    if (auto warps = field("num_warps"); warps && warps->isInt()) options.numWarps = warps->asInt();
    if (auto stages = field("num_stages"); stages && stages->isInt()) options.numStages = stages->asInt();
    if (auto pid = field("pid_type"); pid && pid->isStr()) options.pidType = pid->asStr();
    if (auto indexing = field("indexing"); indexing && indexing->isStr()) options.indexing = indexing->asStr();
    if (auto groups = field("l2_groupings"); groups) {
      std::vector<Value> values = groups->isInt() ? std::vector<Value>{*groups} : interp_.iterate(*groups, call_.callRange);
      if (!values.empty() && values[0].isInt()) options.l2Grouping = values[0].asInt();
    }
    if (auto precision = field("dot_precision"); precision && precision->isStr()) options.dotPrecision = precision->asStr();
    if (auto orders = field("loop_orders"); orders) {
      std::vector<Value> lists = interp_.iterate(*orders, call_.callRange);
      if (!lists.empty())
        for (const Value& axis : interp_.iterate(lists[0], call_.callRange))
          if (axis.isInt()) options.loopOrder.push_back(axis.asInt());
    }
    // A LoopConfig sets the knobs it tunes; the call's Config keeps the others (dot_precision).
    if (const tune::LoopConfig* tuned = choice.loopConfig) {
      options.numWarps = tuned->numWarps;
      options.numStages = tuned->numStages;
      options.pidType = tuned->pidType;
      options.l2Grouping = tuned->l2Grouping;
      options.loopOrder = tuned->loopOrder;
    }
    return options;
  }

  int64_t blockSize(ConfigChoice choice, const ast::For& tileLoop, std::pair<const void*, int> position, int64_t extent,
                    SourceRange range, LoweredDims& dims) {
    auto it = kernel_.blockSizeIndex.find(position);
    if (it == kernel_.blockSizeIndex.end()) it = kernel_.blockSizeIndex.emplace(position, kernel_.tileDimCount++).first;
    int index = it->second;
    bool topLevel = &tileLoop == &loop_;
    size_t local = dims.blockSizes.size();
    dims.shape.dims.push_back({extent, topLevel});
    dims.blockSizeIndices.push_back(index);
    int64_t size = 0;
    if (choice.loopConfig && local < choice.loopConfig->blockSizes.size()) {
      size = choice.loopConfig->blockSizes[local];
    } else if (choice.config && choice.config->hasBlockSizes) {
      const ConfigObject* config = choice.config;
      if (index >= static_cast<int>(config->blockSizes.size())) {
        Diagnostic error = DiagnosticEngine::make(diag::TooFewBlockSizes, range, config->blockSizes.size(),
                                                  kernel_.function->name, index + 1);
        error.notes.push_back(DiagnosticEngine::make(diag::ConfigGivenHere, config->blockSizesRange));
        throw lower::CompileError{error};
      }
      size = config->blockSizes[index];
    } else {
      size = defaultBlockSize(tileLoop, topLevel, topLevel ? std::max(topLevelDims(), 1) : 1, extent);
      if (local < defaultHalvings_.size()) size = std::max<int64_t>(1, size >> defaultHalvings_[local]);
      dims.defaultBlockSizes.push_back(size);
      dims.defaultDims.push_back(local);
    }
    dims.blockSizes.push_back(size);
    return size;
  }

  int topLevelDims() const {
    if (auto* iter = ast::dynCast<ast::Call>(loop_.iter.get()); iter && !iter->args.empty())
      if (auto* list = ast::dynCast<ast::List>(iter->args[0].get())) return static_cast<int>(list->elts.size());
    return 0;
  }

  Interpreter& interp_;
  KernelObject& kernel_;
  KernelCall& call_;
  const ast::For& loop_;
  sema::HostEnvironment& environment_;
  std::vector<int> defaultHalvings_;  // per tile dim, by how many halvings the default shrinks
};

// Compiles a lowered loop for where it runs: PTX on the GPU, the CPU backend's form else.
void compileForBackend(DeviceLauncher::Compiled& compiled, Interpreter& interp, const ast::For& loop);

}  // namespace

std::string loopId(const tune::LoopKey& key) {
  return tune::sourceHash(fmt::format("{}\n{}\n{}\n{}\n{}", key.kernel, key.sourceHash, key.loopLine, key.arguments,
                                      key.device));
}

DeviceLauncher::DeviceLauncher() = default;
DeviceLauncher::~DeviceLauncher() = default;

namespace {

void compileForBackend(DeviceLauncher::Compiled& compiled, Interpreter& interp, const ast::For& loop) {
  if (interp.options().onCompiled) interp.options().onCompiled(*compiled.module);
  const tir::Kernel& kernelIR = *compiled.module->kernels[0];
  compiled.executable.reset();
  compiled.gpu.reset();
  if (GpuRunner* gpu = interp.options().gpu; gpu && !interp.options().device.isMeta()) {
    try {
      compiled.gpu = gpu->compile(kernelIR);
    } catch (const nvptx::Unsupported& unsupported) {
      throw ScriptError{kExitCompileError,
                        DiagnosticEngine::make(diag::BackendUnsupported, unsupported.location, unsupported.message)};
    } catch (const RuntimeError& error) {
      throw ScriptError{kExitRuntimeError, DiagnosticEngine::make(diag::ScriptFailed, loop.range, error.what())};
    }
  } else {
    compiled.executable = std::make_unique<cpu::CompiledKernel>(kernelIR);
  }
}

// Lowers `loop` under `choice` into `compiled` (module, tensor arguments, dims, config).
void lowerInto(DeviceLauncher::Compiled& compiled, LoopLowering& lowering, ConfigChoice choice,
               const TensorAliases& aliases, const ast::For& loop) {
  LoweredDims dims;
  lower::LoweredLoop lowered = lowering.lower(choice, dims);
  // Block sizes the default config chose keep every tile within what a thread's
  // registers hold (a softmax of whole rows takes fewer rows a program).
  while (!tune::withinRegisterBudget(tir::largestTile(*lowered.module->kernels[0]),
                                     lowered.module->kernels[0]->launch.numWarps) &&
         lowering.halveLargestDefault(dims)) {
    dims = LoweredDims{};
    lowered = lowering.lower(choice, dims);
  }
  tir::walk(lowered.module->kernels[0]->body, [&](const tir::Op& op) {
    if (op.kind() == tir::OpKind::For)
      tir::walk(op.regions()[0]->body(), [&](const tir::Op& inner) {
        dims.shape.loadsInLoops |= inner.kind() == tir::OpKind::Load;
        dims.shape.dotInLoops |= inner.kind() == tir::OpKind::Dot;
      });
  });
  compiled.module = std::move(lowered.module);
  compiled.tensorArgs.clear();
  for (const void* identity : lowered.tensorArgs) {
    std::optional<size_t> alias = aliases.ordinalOf(identity);
    if (!alias) throw ScriptError{kExitCompileError, DiagnosticEngine::make(diag::TensorThroughClosure, loop.range)};
    compiled.tensorArgs.push_back(*alias);
  }
  compiled.loopConfig = lowering.loopConfigOf(choice, dims);
  const tir::Kernel& ir = *compiled.module->kernels[0];
  if (choice.config && !choice.loopConfig) compiled.configText = choice.config->repr();
  else if (choice.loopConfig) compiled.configText = "tuned: " + tune::configArguments(compiled.loopConfig);
  else compiled.configText = defaultConfigText(dims.defaultBlockSizes, ir);
  compiled.dims = std::move(dims);
}

}  // namespace

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
  ScopeEnvironment environment(interp, scope, aliases);
  LoopLowering lowering(interp, call, loop, environment);
  const RunOptions& options = interp.options();
  auto found = cache_.find(key);
  if (found == cache_.end()) {
    auto compiled = std::make_unique<Compiled>();
    const ast::FunctionDef& def = *kernel.function->def;
    GpuRunner* gpu = options.gpu;
    compiled->tuneKey = {kernel.function->name, tune::sourceHash(def.range.text()),
                         static_cast<int>(loop.range.line()) - static_cast<int>(def.range.line()),
                         argumentsText(names, *scope), gpu ? gpu->device().properties().name : "cpu"};
    // An explicit config wins over the tune file, as in Helion.
    const tune::TunedLoop* stored = options.tuneFile && !call.config ? options.tuneFile->find(compiled->tuneKey) : nullptr;
    lowerInto(*compiled, lowering, {call.config, stored ? &stored->config : nullptr}, aliases, loop);
    compileForBackend(*compiled, interp, loop);
    ++compilations;
    found = cache_.emplace(key, std::move(compiled)).first;
  }
  Compiled& compiled = *found->second;
  if (options.device.isMeta()) {
    // Nothing runs on shapes only; a tensor with data would be left as it is, and what
    // the script checks after it would fail for no reason it could see.
    const tir::Kernel& ir = *compiled.module->kernels[0];
    size_t pointer = 0;
    for (size_t i = 0; i < ir.numParams(); ++i) {
      if (!ir.param(i)->type().isPointer()) continue;
      const Tensor& tensor = aliases.tensors[compiled.tensorArgs[pointer++]];
      if (!tensor.isMeta())
        throw ScriptError{kExitRuntimeError,
                          DiagnosticEngine::make(diag::GpuKernelFailed, loop.range, kernel.function->name,
                                                 fmt::format("kernel argument '{}' is a {} tensor, but under "
                                                             "--device meta kernels run on shapes only: make it with "
                                                             "device=\"cuda\", which --device meta makes a meta tensor",
                                                             ir.param(i)->nameHint(), tensor.device().str()))};
    }
    return;
  }

  std::vector<cpu::Argument> args;
  for (size_t ordinal : compiled.tensorArgs) {
    const Tensor& tensor = aliases.tensors[ordinal];
    int64_t elements = static_cast<int64_t>(tensor.storage()->bytes() / itemSize(tensor.dtype())) - tensor.storageOffset();
    args.push_back(cpu::Argument::pointer(tensor.data(), elements, tensor.dtype()));
  }
  GpuRunner* gpu = options.gpu;
  auto runOnHost = [&] {
    std::vector<Diagnostic> faults;
    DiagnosticEngine capture([&](const Diagnostic& d) { faults.push_back(d); });
    if (!compiled.executable->run(args, capture))
      throw ScriptError{kExitRuntimeError, faults.empty() ? DiagnosticEngine::make(diag::ScriptFailed, loop.range, "the kernel faulted")
                                                          : faults.front()};
  };
  auto runCompiled = [&] {
    if (compiled.gpu) gpu->run(*compiled.gpu, *compiled.module->kernels[0], args);
    else runOnHost();
  };
  try {
    if (!compiled.launched) {
      compiled.launched = true;
      std::vector<Tensor> tensors;
      for (size_t ordinal : compiled.tensorArgs) tensors.push_back(aliases.tensors[ordinal]);
      if (options.tuneLoop) {
        LoweredDims defaultDims;
        lowering.lower({}, defaultDims);
        LoopTuning tuning{compiled.tuneKey,
                          fmt::format("{}, line {}: {}", kernel.function->name, loop.range.line(), compiled.tuneKey.arguments),
                          static_cast<int>(loop.range.line()),
                          call.config != nullptr,
                          compiled.dims.shape,
                          compiled.dims.blockSizeIndices,
                          compiled.loopConfig,
                          lowering.loopConfigOf({}, defaultDims),
                          compiled.configText,
                          [&](const tune::LoopConfig& config) {
                            LoweredDims dims;
                            return lowering.lower({call.config, &config}, dims).module;
                          },
                          *compiled.module->kernels[0],
                          args,
                          tensors,
                          runCompiled,
                          gpu};
        if (gpu) tuning.shape.smCount = gpu->device().properties().smCount;
        if (std::optional<tune::LoopConfig> chosen = options.tuneLoop(tuning); chosen && *chosen != compiled.loopConfig) {
          lowerInto(compiled, lowering, {call.config, &*chosen}, aliases, loop);
          compileForBackend(compiled, interp, loop);
        }
      }
      if (options.onFirstLaunch) {
        const tir::Kernel& ir = *compiled.module->kernels[0];
        FirstLaunch first{kernel.function->name, compiled.configText, static_cast<int>(loop.range.line()), ir, args,
                          std::move(tensors), {}};
        if (compiled.gpu) {
          first.time = [&](const bench::Settings& settings) { return gpu->benchmark(*compiled.gpu, ir, args, settings); };
        } else {
          first.time = [&](const bench::Settings& settings) {
            bench::WallClock clock;
            return timeRepeatedLaunch(ir, args, clock, runOnHost, settings);
          };
        }
        options.onFirstLaunch(first);
      }
    }
    runCompiled();
  } catch (const RuntimeError& error) {
    throw ScriptError{kExitRuntimeError,
                      DiagnosticEngine::make(diag::GpuKernelFailed, loop.range, kernel.function->name, error.what())};
  }
}

}  // namespace hel::interp
