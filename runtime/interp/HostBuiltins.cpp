#include "runtime/interp/HostBuiltins.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "runtime/AssertClose.h"
#include "runtime/CaseFile.h"
#include "runtime/Creation.h"
#include "runtime/Errors.h"
#include "runtime/Npy.h"
#include "runtime/Random.h"
#include "runtime/TensorOps.h"
#include "runtime/bench/Benchmark.h"
#include "runtime/cuda/EventClock.h"
#include "runtime/interp/GpuRunner.h"
#include "runtime/interp/Kernel.h"

namespace hel::interp {

using sema::BuiltinRule;

// A builtin's arguments bound to its signature, with typed accessors whose
// errors name the function and the parameter.
class BoundArgs {
 public:
  BoundArgs(Interpreter& interp, const sema::Builtin& builtin, const Value* self, CallArgs& args)
      : range(args.range), interp_(interp), builtin_(builtin) {
    if (self) values_.push_back(*self);
    for (Value& value : args.positional) values_.push_back(value);
    size_t positional = values_.size();
    for (Value& value : args.keywordValues) values_.push_back(value);
    std::string error;
    std::optional<sema::Binding> binding = sema::bind(builtin.signature, positional, args.keywordNames, &error);
    if (!binding) throwError(kExitRuntimeError, range, "TypeError: " + error);
    binding_ = std::move(*binding);
    keywordNames_ = args.keywordNames;
    keywordRanges_ = args.keywordRanges;
    positionalCount_ = positional;
  }

  const SourceRange range;

  bool has(const char* name) const {
    int param = builtin_.signature.find(name);
    return param >= 0 && binding_.argumentOf[param] >= 0 && !values_[binding_.argumentOf[param]].isNone();
  }
  // The argument, or its default from the signature.
  Value get(const char* name) const {
    int param = builtin_.signature.find(name);
    if (param < 0) throw std::logic_error(std::string("no parameter ") + name);
    if (binding_.argumentOf[param] >= 0) return values_[binding_.argumentOf[param]];
    const auto& defaultValue = builtin_.signature.params[param].defaultValue;
    if (!defaultValue) return Value();
    switch (defaultValue->kind) {
      case sema::DefaultValue::Kind::None: return Value();
      case sema::DefaultValue::Kind::Bool: return defaultValue->boolValue;
      case sema::DefaultValue::Kind::Int: return static_cast<int64_t>(defaultValue->intValue);
      case sema::DefaultValue::Kind::Float: return defaultValue->floatValue;
      case sema::DefaultValue::Kind::Str: return defaultValue->text;
      case sema::DefaultValue::Kind::Name:
        if (auto dtype = parseDType(defaultValue->text.substr(defaultValue->text.rfind('.') + 1))) return *dtype;
        return Value();
    }
    return Value();
  }
  std::vector<Value> rest() const {
    std::vector<Value> out;
    for (int index : binding_.varPositional) out.push_back(values_[index]);
    return out;
  }
  // The keywords bound to `**kwargs`, as call arguments of their own.
  CallArgs restKeywords() const {
    CallArgs out{{}, {}, {}, range, {}};
    for (int index : binding_.varKeyword) {
      size_t keyword = index - positionalCount_;
      out.keywordNames.push_back(keywordNames_[keyword]);
      out.keywordValues.push_back(values_[index]);
      out.keywordRanges.push_back(keyword < keywordRanges_.size() ? keywordRanges_[keyword] : range);
    }
    return out;
  }

  [[noreturn]] void typeError(const char* name, const char* expected, const Value& got) const {
    throwError(kExitRuntimeError, range,
               fmt::format("TypeError: {}(): argument '{}' must be {}, not {}", builtin_.name(), name, expected,
                           typeName(got)));
  }
  Tensor tensor(const char* name) const {
    Value value = get(name);
    if (!value.isTensor()) typeError(name, "Tensor", value);
    return value.asTensor();
  }
  Operand operand(const char* name) const {
    Value value = get(name);
    if (value.isTensor()) return Operand(value.asTensor());
    if (value.isNumber()) return Operand(value.toScalar());
    typeError(name, "Tensor or number", value);
  }
  Scalar number(const char* name) const {
    Value value = get(name);
    if (value.isTensor() && value.asTensor().numel() == 1) return value.asTensor().item();
    if (!value.isNumber()) typeError(name, "a number", value);
    return value.toScalar();
  }
  int64_t integer(const char* name) const {
    Value value = get(name);
    if (!value.isInt() && !value.isBool()) typeError(name, "int", value);
    return value.toScalar().toInt();
  }
  double real(const char* name) const { return number(name).toDouble(); }
  bool flag(const char* name) const { return interp_.truthy(get(name), range); }
  std::optional<DType> dtype(const char* name) const {
    Value value = get(name);
    if (value.isNone()) return std::nullopt;
    if (!value.isDType()) typeError(name, "torch.dtype", value);
    return value.asDType();
  }
  // An int, or a tuple/list of ints.
  std::vector<int64_t> ints(const Value& value, const char* name) const {
    if (value.isInt()) return {value.asInt()};
    std::vector<int64_t> out;
    auto* tuple = value.as<TupleObject>();
    auto* list = value.as<ListObject>();
    if (!tuple && !list) typeError(name, "a tuple of ints", value);
    for (const Value& item : tuple ? tuple->items : list->items) {
      if (!item.isInt()) typeError(name, "a tuple of ints", value);
      out.push_back(item.asInt());
    }
    return out;
  }
  std::vector<int64_t> ints(const char* name) const { return ints(get(name), name); }
  // `*size` given as `f(2, 3)` or `f((2, 3))` or `f([2, 3])`.
  Shape sizes() const {
    std::vector<Value> items = rest();
    if (items.size() == 1 && !items[0].isInt()) return ints(items[0], "size");
    Shape shape;
    for (const Value& item : items) {
      if (!item.isInt()) typeError("size", "a tuple of ints", item);
      shape.push_back(item.asInt());
    }
    return shape;
  }
  std::optional<int64_t> optionalInt(const char* name) const {
    if (!has(name)) return std::nullopt;
    return integer(name);
  }
  // `dim` as None, an int, or a list of ints.
  std::vector<int64_t> dims(const char* name) const {
    if (!has(name)) return {};
    return ints(name);
  }

 private:
  Interpreter& interp_;
  const sema::Builtin& builtin_;
  std::vector<Value> values_;
  sema::Binding binding_;
  std::vector<std::string> keywordNames_;
  std::vector<SourceRange> keywordRanges_;
  size_t positionalCount_ = 0;
};

namespace {

Value tuple(std::vector<Value> items) { return std::make_shared<TupleObject>(std::move(items)); }

Value shapeTuple(const Shape& shape) {
  std::vector<Value> items;
  for (int64_t size : shape) items.emplace_back(size);
  return tuple(std::move(items));
}

Value scalarValue(const Scalar& scalar) {
  if (scalar.isBool()) return scalar.toBool();
  if (scalar.isInt()) return scalar.toInt();
  return scalar.toDouble();
}

Value tolist(const Tensor& tensor) {
  std::vector<Scalar> flat = tensor.toScalars();
  if (tensor.dim() == 0) return scalarValue(flat.at(0));
  std::function<Value(int64_t, size_t&)> nest = [&](int64_t dim, size_t& at) -> Value {
    std::vector<Value> items;
    for (int64_t i = 0; i < tensor.size(dim); ++i)
      items.push_back(dim + 1 == tensor.dim() ? scalarValue(flat[at++]) : nest(dim + 1, at));
    return std::make_shared<ListObject>(std::move(items));
  };
  size_t at = 0;
  return nest(0, at);
}

// torch.tensor's data: a number or nested lists of numbers.
void flattenData(const Value& data, std::vector<Scalar>& values, Shape& shape, size_t depth, SourceRange range) {
  if (data.isNumber()) {
    values.push_back(data.toScalar());
    return;
  }
  auto* list = data.as<ListObject>();
  auto* tupleObject = data.as<TupleObject>();
  if (!list && !tupleObject)
    throwError(kExitRuntimeError, range, fmt::format("torch.tensor: cannot make a tensor from {}", typeName(data)));
  const std::vector<Value>& items = list ? list->items : tupleObject->items;
  if (shape.size() == depth) shape.push_back(static_cast<int64_t>(items.size()));
  else if (shape[depth] != static_cast<int64_t>(items.size()))
    throwError(kExitRuntimeError, range, "torch.tensor: nested lists have different lengths");
  for (const Value& item : items) flattenData(item, values, shape, depth + 1, range);
}

std::string closeReport(Interpreter& interp, const Value& actual, const Value& expected,
                        const CloseOptions& options, SourceRange range) {
  auto* actualTuple = actual.as<TupleObject>();
  auto* expectedTuple = expected.as<TupleObject>();
  if (actualTuple && expectedTuple) {
    if (actualTuple->items.size() != expectedTuple->items.size())
      return fmt::format("The results have {} values, but {} were expected", actualTuple->items.size(),
                         expectedTuple->items.size());
    for (size_t i = 0; i < actualTuple->items.size(); ++i) {
      std::string report = closeReport(interp, actualTuple->items[i], expectedTuple->items[i], options, range);
      if (!report.empty()) return fmt::format("Result {}: {}", i, report);
    }
    return "";
  }
  if (!actual.isTensor() || !expected.isTensor()) {
    if (actual.isNumber() && expected.isNumber()) {
      double a = actual.toScalar().toDouble(), e = expected.toScalar().toDouble();
      double atol = options.atol.value_or(1e-5), rtol = options.rtol.value_or(1.3e-6);
      return std::fabs(a - e) <= atol + rtol * std::fabs(e)
                 ? ""
                 : fmt::format("Scalars are not close! {} vs {}", interp.repr(actual), interp.repr(expected));
    }
    return fmt::format("The result is a {}, but a {} was expected", typeName(actual), typeName(expected));
  }
  try {
    CloseReport report = compareClose(actual.asTensor(), expected.asTensor(), options);
    return report.ok ? "" : report.message;
  } catch (const RuntimeError& error) {
    throwError(kExitRuntimeError, range, error.what());
  }
}

// Milliseconds per call of `fn`, as Triton's do_bench measures it (runtime/bench): with
// CUDA events and the L2 flushed before each call where kernels run on the GPU, with the
// wall clock on the CPU backend.
double benchmark(Interpreter& interp, const Value& fn, double warmupMs, double repMs, SourceRange range) {
  auto once = [&] {
    CallArgs none{{}, {}, {}, range, {}};
    interp.call(fn, none);
  };
  // A meta run (`hel emit`, `hel check`) only needs the specializations: one
  // call, and no time to report.
  if (interp.options().device.isMeta()) {
    once();
    return std::nan("");
  }
  bench::Settings settings{warmupMs, repMs};
  if (GpuRunner* gpu = interp.options().gpu; gpu && interp.options().device.isCuda()) {
    cuda::EventClock clock(gpu->device());
    return bench::benchmark(clock, once, settings).medianMs;
  }
  bench::WallClock clock;
  return bench::benchmark(clock, once, settings).medianMs;
}

std::optional<ReduceOp> pythonMinMax(const std::string& op) {
  return op == "max" ? std::optional<ReduceOp>(ReduceOp::Max) : std::optional<ReduceOp>(ReduceOp::Min);
}

}  // namespace

Device HostBuiltins::resolveDevice(const Value& device) const {
  Device resolved = Device::cpu();
  if (device.isDevice()) resolved = device.asDevice();
  else if (device.isStr()) {
    std::optional<Device> parsed = Device::parse(device.asStr());
    if (!parsed) throwError(kExitRuntimeError, {}, fmt::format("unknown device '{}'", device.asStr()));
    resolved = *parsed;
  }
  // `hel run --device meta` makes every GPU tensor a meta tensor.
  if (resolved.isCuda() && interp_.options().device.isMeta()) return Device::meta();
  return resolved;
}

Value HostBuiltins::call(const sema::Builtin& builtin, const Value* self, CallArgs& args) {
  BoundArgs bound(interp_, builtin, self, args);
  try {
    return evaluate(builtin, bound);
  } catch (const RuntimeError& error) {
    throwError(kExitRuntimeError, args.range, error.what());
  }
}

Value HostBuiltins::evaluate(const sema::Builtin& builtin, BoundArgs& a) {
  const char* first = builtin.isMethod() ? "self" : builtin.signature.params.empty()
                                                        ? ""
                                                        : builtin.signature.params[0].name.c_str();
  auto device = [&](const char* name = "device") { return resolveDevice(a.get(name)); };
  auto likeDevice = [&](const Tensor& like) -> std::optional<Device> {
    return a.has("device") ? std::optional<Device>(device()) : std::nullopt;
  };
  switch (builtin.rule) {
    // ---- elementwise, reductions ----
    case BuiltinRule::Unary: return unary(builtin.unaryOp, a.tensor(first));
    case BuiltinRule::Binary: {
      Operand left = a.operand(first);
      if (!left.isTensor()) a.typeError(first, "Tensor", a.get(first));
      return binary(builtin.binaryOp, left, a.operand("other"));
    }
    case BuiltinRule::Reduce: return reduce(builtin.reduceOp, a.tensor(first), a.dims("dim"), a.flag("keepdim"), a.dtype("dtype"));
    case BuiltinRule::Scan: return scan(builtin.scanOp, a.tensor(first), a.integer("dim"), a.dtype("dtype"));
    case BuiltinRule::MaxMin: {
      Tensor x = a.tensor(first);
      if (!a.has("dim")) return reduce(builtin.reduceOp, x);
      auto [values, indices] = maxMin(builtin.reduceOp, x, a.integer("dim"), a.flag("keepdim"));
      auto result = std::make_shared<RecordObject>(fmt::format("torch.return_types.{}", builtin.op));
      result->fields["values"] = values;
      result->fields["indices"] = indices;
      // A named tuple: indexable as [0] and [1] too.
      auto pair = std::make_shared<TupleObject>(std::vector<Value>{values, indices});
      (void)result;
      return pair;
    }
    case BuiltinRule::Where: return where(a.tensor("condition"), a.operand("input"), a.operand("other"));
    case BuiltinRule::Clamp: {
      std::optional<Operand> low, high;
      if (a.has("min")) low = a.operand("min");
      if (a.has("max")) high = a.operand("max");
      return clamp(a.tensor(first), low, high);
    }
    case BuiltinRule::Softmax: return softmax(a.tensor(first), a.integer("dim"), a.dtype("dtype"));
    case BuiltinRule::LogSoftmax: return logSoftmax(a.tensor(first), a.integer("dim"), a.dtype("dtype"));
    case BuiltinRule::LayerNorm:
      return layerNorm(a.tensor("input"), a.ints("normalized_shape"),
                       a.has("weight") ? a.tensor("weight") : Tensor(), a.has("bias") ? a.tensor("bias") : Tensor(),
                       a.real("eps"));
    case BuiltinRule::Pad: {
      Value mode = a.get("mode");
      if (!mode.isStr() || mode.asStr() != "constant")
        fail("F.pad: only mode='constant' is supported, got {}", interp_.repr(mode));
      return pad(a.tensor("input"), a.ints("pad"), a.has("value") ? a.number("value") : Scalar(0.0));
    }
    case BuiltinRule::Matmul:
      return matmul(a.tensor(first), a.tensor(builtin.signature.params[1].name.c_str()));
    case BuiltinRule::Bmm: return bmm(a.tensor("input"), a.tensor("mat2"));
    case BuiltinRule::Addmm:
      return addmm(a.tensor("input"), a.tensor("mat1"), a.tensor("mat2"), a.number("beta"), a.number("alpha"));
    case BuiltinRule::Baddbmm:
      return baddbmm(a.tensor("input"), a.tensor("batch1"), a.tensor("batch2"), a.number("beta"), a.number("alpha"));

    // ---- creation ----
    case BuiltinRule::Empty: return Tensor::empty(a.sizes(), a.dtype("dtype").value_or(kDefaultFloat), device());
    case BuiltinRule::Zeros: return zeros(a.sizes(), a.dtype("dtype").value_or(kDefaultFloat), device());
    case BuiltinRule::Ones: return ones(a.sizes(), a.dtype("dtype").value_or(kDefaultFloat), device());
    case BuiltinRule::Full: return full(a.ints("size"), a.number("fill_value"), a.dtype("dtype"), device());
    case BuiltinRule::Randn: return randn(a.sizes(), a.dtype("dtype").value_or(kDefaultFloat), device());
    case BuiltinRule::Rand: return rand(a.sizes(), a.dtype("dtype").value_or(kDefaultFloat), device());
    case BuiltinRule::Randint: {
      int64_t low = 0, high = a.integer("low");
      if (a.has("high")) low = high, high = a.integer("high");
      if (!a.has("size")) fail("randint() missing required argument 'size'");
      return randint(low, high, a.ints("size"), a.dtype("dtype").value_or(DType::Int64), device());
    }
    case BuiltinRule::Arange: {
      if (builtin.module() == "helion.language") {
        std::vector<Value> rest = a.rest();
        if (rest.empty() || rest.size() > 3) fail("hl.arange takes 1 to 3 numbers");
        Scalar start = rest.size() > 1 ? rest[0].toScalar() : Scalar(int64_t{0});
        Scalar end = rest.size() > 1 ? rest[1].toScalar() : rest[0].toScalar();
        Scalar step = rest.size() > 2 ? rest[2].toScalar() : Scalar(int64_t{1});
        return arange(start, end, step, a.dtype("dtype").value_or(DType::Int32), Device::cpu());
      }
      Scalar start = a.number("start");
      if (!a.has("end")) return arange(Scalar(int64_t{0}), start, a.number("step"), a.dtype("dtype"), device());
      return arange(start, a.number("end"), a.number("step"), a.dtype("dtype"), device());
    }
    case BuiltinRule::TensorFromData: {
      std::vector<Scalar> values;
      Shape shape;
      Value data = a.get("data");
      if (data.isTensor()) return data.asTensor().clone();
      flattenData(data, values, shape, 0, a.range);
      return hel::tensor(values, shape, a.dtype("dtype"), device());
    }
    case BuiltinRule::EmptyLike: {
      Tensor x = a.tensor("input");
      return emptyLike(x, a.dtype("dtype"), likeDevice(x));
    }
    case BuiltinRule::ZerosLike: {
      Tensor x = a.tensor("input");
      return zerosLike(x, a.dtype("dtype"), likeDevice(x));
    }
    case BuiltinRule::OnesLike: {
      Tensor x = a.tensor("input");
      return onesLike(x, a.dtype("dtype"), likeDevice(x));
    }
    case BuiltinRule::FullLike: {
      Tensor x = a.tensor("input");
      return fullLike(x, a.number("fill_value"), a.dtype("dtype"), likeDevice(x));
    }
    case BuiltinRule::RandnLike: return randnLike(a.tensor("input"), a.dtype("dtype"));
    case BuiltinRule::ManualSeed: manualSeed(static_cast<uint64_t>(a.integer("seed"))); return Value();
    case BuiltinRule::NewEmpty:
    case BuiltinRule::NewZeros:
    case BuiltinRule::NewOnes: {
      Tensor self = a.tensor("self");
      DType dtype = a.dtype("dtype").value_or(self.dtype());
      Device where = a.has("device") ? device() : self.device();
      Shape shape = a.sizes();
      if (builtin.rule == BuiltinRule::NewEmpty) return Tensor::empty(shape, dtype, where);
      return builtin.rule == BuiltinRule::NewZeros ? zeros(shape, dtype, where) : ones(shape, dtype, where);
    }
    case BuiltinRule::NewFull: {
      Tensor self = a.tensor("self");
      return full(a.ints("size"), a.number("fill_value"), a.dtype("dtype").value_or(self.dtype()),
                  a.has("device") ? device() : self.device());
    }

    // ---- shapes, views, copies ----
    case BuiltinRule::Cat:
    case BuiltinRule::Stack: {
      std::vector<Tensor> tensors;
      for (const Value& item : interp_.iterate(a.get("tensors"), a.range)) {
        if (!item.isTensor()) a.typeError("tensors", "a sequence of Tensors", item);
        tensors.push_back(item.asTensor());
      }
      return builtin.rule == BuiltinRule::Cat ? cat(tensors, a.integer("dim")) : stack(tensors, a.integer("dim"));
    }
    case BuiltinRule::Reshape: {
      Tensor x = a.tensor(first);
      Shape shape = builtin.isMethod() ? a.sizes() : a.ints("shape");
      return builtin.name() == "view" ? x.view(shape) : x.reshape(shape);
    }
    case BuiltinRule::Permute: {
      Tensor x = a.tensor(first);
      if (builtin.isMethod()) {
        std::vector<Value> rest = a.rest();
        Shape dims = rest.size() == 1 && !rest[0].isInt() ? a.ints(rest[0], "dims") : Shape{};
        if (dims.empty())
          for (const Value& item : rest) dims.push_back(item.toScalar().toInt());
        return x.permute(dims);
      }
      return x.permute(a.ints("dims"));
    }
    case BuiltinRule::Transpose: return a.tensor(first).transpose(a.integer("dim0"), a.integer("dim1"));
    case BuiltinRule::T: return a.tensor("self").t();
    case BuiltinRule::Flatten: return a.tensor(first).flatten(a.integer("start_dim"), a.integer("end_dim"));
    case BuiltinRule::Squeeze: {
      Tensor x = a.tensor(first);
      return a.has("dim") ? x.squeeze(a.integer("dim")) : x.squeeze();
    }
    case BuiltinRule::Unsqueeze: return a.tensor(first).unsqueeze(a.integer("dim"));
    case BuiltinRule::Expand: return a.tensor("self").expand(a.sizes());
    case BuiltinRule::ExpandAs: return a.tensor("self").expandAs(a.tensor("other"));
    case BuiltinRule::Size: {
      Tensor x = a.tensor("self");
      if (a.has("dim")) return x.size(a.integer("dim"));
      return shapeTuple(x.shape());
    }
    case BuiltinRule::Stride: {
      Tensor x = a.tensor("self");
      if (a.has("dim")) return x.stride(a.integer("dim"));
      return shapeTuple(x.strides());
    }
    case BuiltinRule::Dim: return a.tensor("self").dim();
    case BuiltinRule::Numel: return a.tensor("self").numel();
    case BuiltinRule::Contiguous: return a.tensor("self").contiguous();
    case BuiltinRule::Clone: return a.tensor("self").clone();
    case BuiltinRule::To: {
      Tensor x = a.tensor("self");
      for (const Value& item : a.rest()) {
        if (item.isDType()) x = x.to(item.asDType());
        else if (item.isStr() || item.isDevice()) x = x.to(resolveDevice(item));
        else if (item.isTensor()) x = x.to(item.asTensor().dtype()).to(item.asTensor().device());
        else a.typeError("dtype", "torch.dtype or device", item);
      }
      if (a.has("dtype")) x = x.to(*a.dtype("dtype"));
      if (a.has("device")) x = x.to(device());
      return x;
    }
    case BuiltinRule::CastFloat: return a.tensor("self").to(DType::Float32);
    case BuiltinRule::CastHalf: return a.tensor("self").to(DType::Float16);
    case BuiltinRule::CastBFloat16: return a.tensor("self").to(DType::BFloat16);
    case BuiltinRule::CastInt: return a.tensor("self").to(DType::Int32);
    case BuiltinRule::CastLong: return a.tensor("self").to(DType::Int64);
    case BuiltinRule::CastBool: return a.tensor("self").to(DType::Bool);
    case BuiltinRule::ToCpu: return a.tensor("self").to(Device::cpu());
    case BuiltinRule::ToCuda: return a.tensor("self").to(resolveDevice(Value("cuda")));
    case BuiltinRule::Item: return scalarValue(a.tensor("self").item());
    case BuiltinRule::Tolist: return tolist(a.tensor("self"));
    case BuiltinRule::CopyInPlace: {
      Tensor self = a.tensor("self");
      self.copyFrom(a.tensor("src"));
      return self;
    }
    case BuiltinRule::FillInPlace: {
      Tensor self = a.tensor("self");
      self.fill(a.number("value"));
      return self;
    }
    case BuiltinRule::ZeroInPlace: {
      Tensor self = a.tensor("self");
      self.fill(Scalar(int64_t{0}));
      return self;
    }
    case BuiltinRule::Autograd:
      throwDiagnostic(kExitCompileError, diag::NeedsAutograd, a.range, builtin.qualifiedName);

    // ---- testing and devices ----
    case BuiltinRule::Allclose:
      // A meta run has shapes but no values: it goes on as if they were close.
      if (a.tensor("input").isMeta() || a.tensor("other").isMeta()) return true;
      return allclose(a.tensor("input"), a.tensor("other"), a.real("rtol"), a.real("atol"), a.flag("equal_nan"));
    case BuiltinRule::AssertClose:
    case BuiltinRule::CloseReport: {
      CloseOptions options;
      if (a.has("rtol")) options.rtol = a.real("rtol");
      if (a.has("atol")) options.atol = a.real("atol");
      if (builtin.rule == BuiltinRule::AssertClose) options.checkDtype = a.flag("check_dtype");
      std::string report = closeReport(interp_, a.get(first), a.get("expected"), options, a.range);
      if (builtin.rule == BuiltinRule::CloseReport) return report;
      if (!report.empty()) throwError(kExitCheckFailed, a.range, "AssertionError: " + report);
      return Value();
    }
    case BuiltinRule::Synchronize: return Value();
    case BuiltinRule::CudaIsAvailable: return !interp_.options().device.isCpu();
    case BuiltinRule::MakeDevice: return resolveDevice(a.get("type"));

    // ---- helion ----
    case BuiltinRule::KernelDecorator: {
      KernelSettings settings;
      if (a.has("config")) {
        Value config = a.get("config");
        if (!config.is<ConfigObject>()) a.typeError("config", "a helion.Config", config);
        settings.config = std::static_pointer_cast<ConfigObject>(config.asObject());
      }
      if (a.has("configs")) {
        for (const Value& config : interp_.iterate(a.get("configs"), a.range)) {
          if (!config.is<ConfigObject>()) a.typeError("configs", "a list of helion.Config", config);
          settings.configs.push_back(std::static_pointer_cast<ConfigObject>(config.asObject()));
        }
      }
      settings.staticShapes = a.flag("static_shapes");
      settings.dotPrecision = a.get("dot_precision").isStr() ? a.get("dot_precision").asStr() : "ieee";
      settings.autotuneEffort = a.get("autotune_effort").isStr() ? a.get("autotune_effort").asStr() : "quick";
      CallArgs none{{}, {}, {}, a.range, {}};
      return makeKernelDecorator(interp_, none, a.get("fn"), settings);
    }
    case BuiltinRule::MakeConfig: {
      CallArgs fields = a.restKeywords();
      return makeConfig(fields);
    }
    case BuiltinRule::LoadNpy: {
      std::filesystem::path path = a.get("path").isStr() ? a.get("path").asStr() : "";
      if (path.is_relative() && interp_.scriptFile())
        path = std::filesystem::path(interp_.scriptFile()->path()).parent_path() / path;
      return loadNpy(path.string(), a.has("device") ? device() : Device::cpu());
    }
    case BuiltinRule::SaveNpy: {
      std::filesystem::path path = a.get("path").isStr() ? a.get("path").asStr() : "";
      if (path.is_relative() && interp_.scriptFile())
        path = std::filesystem::path(interp_.scriptFile()->path()).parent_path() / path;
      saveNpy(path.string(), a.tensor("tensor"));
      return Value();
    }
    case BuiltinRule::Tile:
    case BuiltinRule::Grid:
    case BuiltinRule::HlZeros:
    case BuiltinRule::HlFull:
    case BuiltinRule::Dot:
    case BuiltinRule::HlLoad:
    case BuiltinRule::HlStore:
    case BuiltinRule::Atomic:
    case BuiltinRule::DevicePrint:
      throwDiagnostic(kExitCompileError, diag::DeviceOnlyBuiltin, a.range, builtin.name());
    case BuiltinRule::RegisterBlockSize: throwDiagnostic(kExitCompileError, diag::RegisterBlockSizeUnsupported, a.range);
    case BuiltinRule::Specialize: return a.get("value");

    // ---- other modules, Python builtins ----
    case BuiltinRule::DoBench: return benchmark(interp_, a.get("fn"), a.real("warmup"), a.real("rep"), a.range);
    case BuiltinRule::TimeNow:
      return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    case BuiltinRule::GetLogger: {
      auto logger = std::make_shared<RecordObject>("Logger");
      logger->fields["setLevel"] = std::make_shared<NativeObject>("setLevel", [](CallArgs&) { return Value(); });
      return logger;
    }
    case BuiltinRule::MathFunction: {
      double x = a.real("x");
      if (builtin.op == "sqrt") return std::sqrt(x);
      if (builtin.op == "exp") return std::exp(x);
      if (builtin.op == "log") return std::log(x);
      if (builtin.op == "ceil") return static_cast<int64_t>(std::ceil(x));
      return static_cast<int64_t>(std::floor(x));
    }
    case BuiltinRule::Print: {
      std::string out;
      std::vector<Value> values = a.rest();
      std::string sep = interp_.str(a.get("sep")), end = interp_.str(a.get("end"));
      for (size_t i = 0; i < values.size(); ++i) out += (i ? sep : "") + interp_.str(values[i]);
      if (!interp_.options().quiet) std::cout << out << end << std::flush;
      return Value();
    }
    case BuiltinRule::Len: {
      Value obj = a.get("obj");
      if (obj.isTensor()) {
        if (obj.asTensor().dim() == 0) fail("len() of a 0-d tensor");
        return obj.asTensor().size(0);
      }
      if (obj.isStr()) return static_cast<int64_t>(obj.asStr().size());
      if (auto* range = obj.as<RangeObject>()) return range->length();
      if (obj.is<TupleObject>() || obj.is<ListObject>() || obj.is<DictObject>())
        return static_cast<int64_t>(interp_.iterate(obj, a.range).size());
      a.typeError("obj", "a sized object", obj);
    }
    case BuiltinRule::Range: {
      int64_t start = 0, stop = a.integer("start_or_stop"), step = a.integer("step");
      if (a.has("stop")) start = stop, stop = a.integer("stop");
      if (step == 0) fail("range() arg 3 must not be zero");
      return std::make_shared<RangeObject>(start, stop, step);
    }
    case BuiltinRule::PyMinMax: {
      std::vector<Value> values = a.rest();
      if (values.size() == 1) values = interp_.iterate(values[0], a.range);
      if (values.empty()) fail("{}() arg is an empty sequence", builtin.op);
      Value best = values[0];
      bool wantMax = builtin.op == "max";
      for (size_t i = 1; i < values.size(); ++i) {
        bool greater = interp_.compareOp(ast::CmpOpKind::Gt, values[i], best, a.range, nullptr);
        bool less = interp_.compareOp(ast::CmpOpKind::Lt, values[i], best, a.range, nullptr);
        if (wantMax ? greater : less) best = values[i];
      }
      (void)pythonMinMax;
      return best;
    }
    case BuiltinRule::PyAbs: {
      Value x = a.get("x");
      if (x.isTensor()) return unary(UnaryOp::Abs, x.asTensor());
      if (x.isFloat()) return std::fabs(x.asFloat());
      return static_cast<int64_t>(std::llabs(a.integer("x")));
    }
    case BuiltinRule::PyInt: {
      Value x = a.get("x");
      if (x.isStr()) return static_cast<int64_t>(std::stoll(x.asStr()));
      if (x.isTensor()) return x.asTensor().item().toInt();
      return a.number("x").toInt();
    }
    case BuiltinRule::PyFloat: {
      Value x = a.get("x");
      if (x.isStr()) {
        std::string text = x.asStr();
        if (text == "inf" || text == "+inf") return INFINITY;
        if (text == "-inf") return -INFINITY;
        if (text == "nan") return NAN;
        try {
          return std::stod(text);
        } catch (const std::exception&) {
          fail("could not convert string to float: '{}'", text);
        }
      }
      return a.number("x").toDouble();
    }
    case BuiltinRule::PyStr: return interp_.str(a.get("x"));
    case BuiltinRule::PyBool: return interp_.truthy(a.get("x"), a.range);
    case BuiltinRule::Isinstance: {
      Value obj = a.get("obj");
      std::vector<Value> classes = a.get("classinfo").is<TupleObject>() ? interp_.iterate(a.get("classinfo"), a.range)
                                                                         : std::vector<Value>{a.get("classinfo")};
      for (const Value& cls : classes) {
        std::string name;
        if (auto* type = cls.as<TypeObject>()) name = type->name;
        else if (auto* fn = cls.as<BuiltinObject>()) name = std::string(fn->builtin->name());
        if (name == typeName(obj) || (name == "int" && obj.isBool())) return true;
      }
      return false;
    }
    case BuiltinRule::Zip: {
      std::vector<std::vector<Value>> lists;
      for (const Value& iterable : a.rest()) lists.push_back(interp_.iterate(iterable, a.range));
      size_t n = lists.empty() ? 0 : lists[0].size();
      for (const auto& list : lists) n = std::min(n, list.size());
      std::vector<Value> out;
      for (size_t i = 0; i < n; ++i) {
        std::vector<Value> row;
        for (const auto& list : lists) row.push_back(list[i]);
        out.push_back(tuple(std::move(row)));
      }
      return std::make_shared<ListObject>(std::move(out));
    }
    case BuiltinRule::Enumerate: {
      std::vector<Value> out;
      int64_t index = a.integer("start");
      for (const Value& item : interp_.iterate(a.get("iterable"), a.range)) out.push_back(tuple({index++, item}));
      return std::make_shared<ListObject>(std::move(out));
    }
    case BuiltinRule::PyTuple: return tuple(interp_.iterate(a.get("iterable"), a.range));
    case BuiltinRule::PyList: return std::make_shared<ListObject>(interp_.iterate(a.get("iterable"), a.range));
    case BuiltinRule::PySum: {
      Value total = a.get("start");
      for (const Value& item : interp_.iterate(a.get("iterable"), a.range))
        total = interp_.binaryOp(ast::BinOpKind::Add, total, item, a.range);
      return total;
    }

    // ---- the harness's hooks ----
    case BuiltinRule::RecordCheck:
      (a.flag("passed") ? interp_.checksPassed : interp_.checksFailed) += 1;
      return Value();
    case BuiltinRule::NameOf: {
      Value fn = a.get("fn");
      if (auto* kernel = fn.as<KernelObject>()) return kernel->function->name;
      if (auto* function = fn.as<FunctionObject>()) return function->name;
      return interp_.repr(fn);
    }
    case BuiltinRule::LoadCase: {
      std::filesystem::path dir = interp_.str(a.get("case_dir"));
      if (dir.is_relative() && interp_.scriptFile())
        dir = std::filesystem::path(interp_.scriptFile()->path()).parent_path() / dir;
      ReferenceCase loaded = ReferenceCase::load(dir.string(), resolveDevice(Value("cuda")));
      auto record = std::make_shared<RecordObject>("ReferenceCase");
      std::vector<Value> inputs(loaded.inputs.begin(), loaded.inputs.end());
      std::vector<Value> expected(loaded.expected.begin(), loaded.expected.end());
      record->fields["args"] = std::make_shared<ListObject>(std::move(inputs));
      record->fields["expected"] = std::make_shared<ListObject>(std::move(expected));
      record->fields["rtol"] = loaded.rtol ? Value(*loaded.rtol) : Value();
      record->fields["atol"] = loaded.atol ? Value(*loaded.atol) : Value();
      record->fields["spec"] = loaded.spec;
      record->fields["dir"] = loaded.dir;
      std::vector<Value> argNames(loaded.args.begin(), loaded.args.end());
      std::vector<Value> outputFiles(loaded.outputs.begin(), loaded.outputs.end());
      record->fields["arg_names"] = std::make_shared<ListObject>(std::move(argNames));
      record->fields["output_files"] = std::make_shared<ListObject>(std::move(outputFiles));
      return record;
    }
    case BuiltinRule::SaveCase: {
      const std::string& target = interp_.options().saveCase;
      if (target.empty()) return Value();
      auto* record = a.get("case").as<RecordObject>();
      if (!record) throwError(kExitRuntimeError, a.range, "_hel.save_case() takes a case from _hel.load_case()");
      auto strings = [&](const char* field) {
        std::vector<std::string> out;
        for (const Value& item : interp_.iterate(record->fields.at(field), a.range)) out.push_back(interp_.str(item));
        return out;
      };
      ReferenceCase saved;
      saved.args = strings("arg_names");
      saved.outputs = strings("output_files");
      saved.spec = fmt::format("outputs of the kernel on {} (hel run --save-case)", interp_.options().device.str());
      if (const Value& rtol = record->fields.at("rtol"); !rtol.isNone()) saved.rtol = rtol.asFloat();
      if (const Value& atol = record->fields.at("atol"); !atol.isNone()) saved.atol = atol.asFloat();
      Value result = a.get("result");
      std::vector<Value> outputs = result.isTensor() ? std::vector<Value>{result} : interp_.iterate(result, a.range);
      if (outputs.size() != saved.outputs.size())
        throwError(kExitRuntimeError, a.range,
                   fmt::format("the kernel returned {} outputs; the case has {}", outputs.size(), saved.outputs.size()));
      for (const Value& output : outputs) saved.expected.push_back(output.asTensor());
      try {
        saved.save(target, interp_.str(record->fields.at("dir")));
      } catch (const RuntimeError& error) {
        throwError(kExitRuntimeError, a.range, fmt::format("--save-case: {}", error.what()));
      }
      return Value();
    }
  }
  throwError(kExitRuntimeError, a.range, fmt::format("{}() is not available on the host", builtin.qualifiedName));
}

Value HostBuiltins::tensorAttribute(const Value& value, const std::string& name, SourceRange range) {
  const Tensor& tensor = value.asTensor();
  if (name == "shape") return shapeTuple(tensor.shape());
  if (name == "dtype") return tensor.dtype();
  if (name == "device") return tensor.device();
  if (name == "ndim") return tensor.dim();
  if (name == "T") {
    try {
      Shape order;
      for (int64_t d = tensor.dim() - 1; d >= 0; --d) order.push_back(d);
      return tensor.permute(order);
    } catch (const RuntimeError& error) {
      throwError(kExitRuntimeError, range, error.what());
    }
  }
  if (name == "is_cuda") return tensor.device().isCuda();
  if (const sema::Builtin* method = sema::findBuiltin("Tensor." + name))
    return std::make_shared<BoundMethodObject>(value, std::make_shared<BuiltinObject>(method));
  throwError(kExitRuntimeError, range, fmt::format("'Tensor' object has no attribute '{}'", name));
}

}  // namespace hel::interp
