#include "runtime/interp/Kernel.h"

#include <fmt/format.h>

#include <sstream>

#include "lower/IR.h"
#include "sema/Suggest.h"

namespace hel::interp {
namespace {

// `helion.Config` fields (LANGUAGE.md §7) and Helion's aliases for them.
const std::vector<std::string> kConfigFields = {
    "block_sizes", "loop_orders",         "l2_groupings",     "num_warps",     "num_stages",
    "indexing",    "pid_type",            "reduction_loops",  "range_unroll_factors",
    "range_num_stages", "dot_precision",
};
const std::map<std::string, std::string> kConfigAliases = {{"l2_grouping", "l2_groupings"}};

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

void flattenInts(const Value& value, std::vector<int64_t>& out, SourceRange range, const char* field) {
  if (value.isInt()) {
    out.push_back(value.asInt());
    return;
  }
  std::vector<Value> items;
  if (auto* list = value.as<ListObject>()) items = list->items;
  else if (auto* tuple = value.as<TupleObject>()) items = tuple->items;
  else throwDiagnostic(kExitCompileError, diag::ConfigFieldValue, range, field, "a list of integers");
  for (const Value& item : items) flattenInts(item, out, range, field);
}

void requireOneOf(const Value& value, const std::vector<std::string>& allowed, const std::string& field,
                  SourceRange range) {
  if (value.isStr())
    for (const std::string& option : allowed)
      if (value.asStr() == option) return;
  std::string options;
  for (const std::string& option : allowed) options += (options.empty() ? "'" : ", '") + option + "'";
  throwDiagnostic(kExitCompileError, diag::ConfigFieldValue, range, field, "one of " + options);
}

// jaxtyping's dtype markers and what each accepts.
bool dtypeMatches(const std::string& marker, DType dtype) {
  if (marker == "Shaped") return true;
  if (marker == "Float") return isFloating(dtype);
  if (marker == "Int") return isIntegral(dtype, false);
  if (marker == "Bool") return dtype == DType::Bool;
  static const std::map<std::string, DType> exact = {
      {"Float32", DType::Float32}, {"Float16", DType::Float16}, {"BFloat16", DType::BFloat16},
      {"Float64", DType::Float64}, {"Int32", DType::Int32},     {"Int64", DType::Int64},
      {"Int8", DType::Int8},       {"UInt8", DType::UInt8}};
  auto it = exact.find(marker);
  return it != exact.end() && it->second == dtype;
}

// Checks one value against a jaxtyping annotation (written at
// `annotationRange`), binding named dims. A violation is reported at the call.
void checkContract(const RecordObject& annotation, SourceRange annotationRange, const Value& value,
                   const std::string& what, JaxtypingDims& bound, SourceRange range) {
  auto violated = [&](diag::Id id, const auto&... args) {
    Diagnostic error = DiagnosticEngine::make(id, range, args...);
    error.notes.push_back(DiagnosticEngine::make(diag::AnnotatedHere, annotationRange));
    throw ScriptError{kExitCompileError, error};
  };
  std::string marker = annotation.fields.at("dtype").asStr();
  if (!value.isTensor()) violated(diag::ContractNotTensor, what, marker, typeName(value));
  const Tensor& tensor = value.asTensor();
  if (!dtypeMatches(marker, tensor.dtype())) violated(diag::ContractDType, what, dtypeName(tensor.dtype()), marker);
  auto dimsField = annotation.fields.find("dims");
  if (dimsField == annotation.fields.end()) return;
  std::vector<std::string> dims;
  std::istringstream words(dimsField->second.asStr());
  for (std::string word; words >> word;) dims.push_back(word);
  bool variadic = false;
  for (const std::string& dim : dims) variadic |= dim == "...";
  int64_t rank = tensor.dim();
  if (variadic ? rank < static_cast<int64_t>(dims.size()) - 1 : rank != static_cast<int64_t>(dims.size()))
    violated(diag::ContractRank, what, rank, dimsField->second.asStr(), dims.size());
  // Dims before `...` match from the front, those after it from the back.
  size_t ellipsis = dims.size();
  for (size_t i = 0; i < dims.size(); ++i)
    if (dims[i] == "...") ellipsis = i;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i == ellipsis || dims[i] == "_") continue;
    int64_t axis = i < ellipsis ? static_cast<int64_t>(i) : rank - static_cast<int64_t>(dims.size() - i);
    int64_t size = tensor.size(axis);
    const std::string& dim = dims[i];
    if (std::isdigit(static_cast<unsigned char>(dim[0]))) {
      int64_t expected = std::stoll(dim);
      if (size != expected) violated(diag::ContractSize, what, size, axis, expected);
      continue;
    }
    auto it = bound.find(dim);
    if (it == bound.end()) bound[dim] = {size, what};
    else if (it->second.first != size)
      violated(diag::ContractBoundDim, what, size, axis, dim, it->second.second, it->second.first);
  }
}

}  // namespace

const std::vector<std::string>& configFieldNames() { return kConfigFields; }

std::string ConfigObject::repr() const {
  std::string out = "helion.Config(";
  bool first = true;
  for (const std::string& name : kConfigFields) {
    auto it = fields.find(name);
    if (it == fields.end()) continue;
    std::string value;
    if (name == "block_sizes") {
      value = "[";
      for (size_t i = 0; i < blockSizes.size(); ++i) value += (i ? ", " : "") + std::to_string(blockSizes[i]);
      value += "]";
    } else if (it->second.isStr()) {
      value = "'" + it->second.asStr() + "'";
    } else {
      value = it->second.isObject() ? it->second.asObject()->repr()
                                    : (it->second.isInt() ? std::to_string(it->second.asInt()) : "...");
    }
    out += (first ? "" : ", ") + name + "=" + value;
    first = false;
  }
  return out + ")";
}

std::optional<Value> ConfigObject::attribute(const std::string& name) const {
  auto it = fields.find(name);
  if (it == fields.end()) return std::nullopt;
  return it->second;
}

Value makeConfig(CallArgs& args) {
  if (!args.positional.empty()) throwDiagnostic(kExitCompileError, diag::ConfigPositional, args.range);
  auto config = std::make_shared<ConfigObject>();
  for (size_t i = 0; i < args.keywordNames.size(); ++i) {
    std::string name = args.keywordNames[i];
    SourceRange range = args.keywordRange(i);
    if (auto alias = kConfigAliases.find(name); alias != kConfigAliases.end()) name = alias->second;
    if (std::find(kConfigFields.begin(), kConfigFields.end(), name) == kConfigFields.end()) {
      Diagnostic error =
          DiagnosticEngine::make(diag::UnknownConfigField, range, args.keywordNames[i], joined(kConfigFields));
      if (std::optional<std::string> close = sema::closestName(args.keywordNames[i], kConfigFields))
        error.notes.push_back(DiagnosticEngine::make(diag::DidYouMean, {}, *close));
      throw ScriptError{kExitCompileError, error};
    }
    const Value& value = args.keywordValues[i];
    if (name == "block_sizes") {
      flattenInts(value, config->blockSizes, range, "block_sizes");
      for (int64_t size : config->blockSizes)
        if (size < 1) throwDiagnostic(kExitCompileError, diag::BadBlockSize, range, size);
      config->hasBlockSizes = true;
      config->blockSizesRange = range;
    } else if (name == "num_warps") {
      int64_t warps = value.isInt() ? value.asInt() : 0;
      if (warps < 1 || warps > 32 || (warps & (warps - 1)) != 0)
        throwDiagnostic(kExitCompileError, diag::ConfigFieldValue, range, name, "a power of two from 1 to 32");
    } else if (name == "num_stages") {
      if (!value.isInt() || value.asInt() < 1)
        throwDiagnostic(kExitCompileError, diag::ConfigFieldValue, range, name, "a positive integer");
    } else if (name == "indexing") {
      requireOneOf(value, {"pointer", "block_ptr", "tensor_descriptor"}, name, range);
    } else if (name == "pid_type") {
      requireOneOf(value, tir::pidTypes(), name, range);
    } else if (name == "dot_precision") {
      requireOneOf(value, {"ieee", "tf32", "tf32x3"}, name, range);
    }
    config->fields[name] = value;
  }
  return config;
}

Value makeKernelDecorator(Interpreter& interp, CallArgs& args, const Value& function, KernelSettings settings) {
  auto wrap = [settings](const Value& fn, SourceRange range) -> Value {
    auto* userFunction = fn.as<FunctionObject>();
    if (!userFunction || !userFunction->def) throwDiagnostic(kExitCompileError, diag::KernelNeedsFunction, range);
    auto kernel = std::make_shared<KernelObject>();
    kernel->function = std::static_pointer_cast<FunctionObject>(fn.asObject());
    kernel->settings = settings;
    return kernel;
  };
  if (!function.isNone()) return wrap(function, args.range);
  return std::make_shared<NativeObject>("kernel", [wrap](CallArgs& inner) {
    if (inner.positional.size() != 1) throwDiagnostic(kExitCompileError, diag::DecoratorArguments, inner.range);
    return wrap(inner.positional[0], inner.range);
  });
}

Value callKernel(Interpreter& interp, KernelObject& kernel, CallArgs& args) {
  const ConfigObject* config = interp.configOverride(kernel.function->name);
  KernelCall call{&kernel, config ? config : kernel.settings.config.get(), args.range};
  Value result = interp.callFunction(*kernel.function, args, &call);
  // Only a run reaches every device loop, so only then are the tile dims counted.
  if (call.config && call.config->hasBlockSizes &&
      static_cast<int>(call.config->blockSizes.size()) > kernel.tileDimCount)
    throwDiagnostic(kExitCompileError, diag::TooManyBlockSizes, call.config->blockSizesRange,
                    call.config->blockSizes.size(), kernel.function->name, kernel.tileDimCount);
  return result;
}

JaxtypingDims bindParameters(Interpreter& interp, const FunctionObject& function, CallArgs& args,
                             std::unordered_map<std::string, Value>& locals, bool isKernel) {
  const std::vector<ast::Param>& params = function.params();
  sema::Signature signature;
  signature.name = function.name;
  for (size_t i = 0; i < params.size(); ++i) {
    sema::SignatureParam param;
    param.name = params[i].name;
    param.kind = static_cast<sema::SignatureParam::Kind>(params[i].kind);
    if (function.hasDefault[i]) param.defaultValue = sema::DefaultValue{};
    signature.params.push_back(std::move(param));
  }
  std::string error;
  std::optional<sema::Binding> binding = sema::bind(signature, args.positional.size(), args.keywordNames, &error);
  if (!binding) {
    // A kernel's parameters are its compile-time interface: a call that does
    // not fit them is a compile error, shown with the kernel's definition.
    if (!isKernel) throwError(kExitRuntimeError, args.range, "TypeError: " + error);
    Diagnostic diagnostic = DiagnosticEngine::make(diag::KernelArguments, args.range, error);
    diagnostic.notes.push_back(DiagnosticEngine::make(diag::KernelDefinedHere, function.range(), function.name));
    throw ScriptError{kExitCompileError, diagnostic};
  }
  auto argument = [&](int index) -> const Value& {
    size_t i = static_cast<size_t>(index);
    return i < args.positional.size() ? args.positional[i] : args.keywordValues[i - args.positional.size()];
  };
  JaxtypingDims bound;
  for (size_t i = 0; i < params.size(); ++i) {
    const ast::Param& param = params[i];
    Value value;
    if (param.kind == ast::Param::Kind::VarPositional) {
      std::vector<Value> rest;
      for (int index : binding->varPositional) rest.push_back(argument(index));
      value = std::make_shared<TupleObject>(std::move(rest));
    } else if (param.kind == ast::Param::Kind::VarKeyword) {
      auto dict = std::make_shared<DictObject>();
      for (int index : binding->varKeyword)
        dict->set(args.keywordNames[index - args.positional.size()], argument(index));
      value = dict;
    } else {
      value = binding->argumentOf[i] >= 0 ? argument(binding->argumentOf[i]) : function.defaults[i];
    }
    if (auto* annotation = function.annotations[i].as<RecordObject>(); annotation && annotation->name == "jaxtyping")
      checkContract(*annotation, param.annotation->range, value,
                    fmt::format("argument '{}' of {}()", param.name, function.name), bound, args.range);
    locals[param.name] = std::move(value);
  }
  return bound;
}

void checkReturnContract(const FunctionObject& function, const Value& result, JaxtypingDims bound,
                         SourceRange range) {
  auto* annotation = function.returnAnnotation.as<RecordObject>();
  if (!annotation || annotation->name != "jaxtyping") return;
  checkContract(*annotation, function.def->returns->range, result, fmt::format("the result of {}()", function.name),
                bound, range);
}

}  // namespace hel::interp
