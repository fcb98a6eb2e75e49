#include "runtime/interp/Value.h"

#include <fmt/format.h>

#include <cmath>
#include <functional>

namespace hel::interp {

Scalar Value::toScalar() const {
  if (isBool()) return Scalar(asBool());
  if (isInt()) return Scalar(asInt());
  return Scalar(asFloat());
}

std::string typeName(const Value& value) {
  if (value.isNone()) return "NoneType";
  if (value.isBool()) return "bool";
  if (value.isInt()) return "int";
  if (value.isFloat()) return "float";
  if (value.isStr()) return "str";
  if (value.isEllipsis()) return "ellipsis";
  if (value.isDType()) return "torch.dtype";
  if (value.isDevice()) return "torch.device";
  if (value.isTensor()) return "Tensor";
  return value.asObject()->typeName();
}

std::string Object::repr() const { return "<" + typeName() + " object>"; }

std::string formatTensor(const Tensor& tensor) {
  std::string suffix;
  if (tensor.device().isCuda()) suffix += ", device='" + tensor.device().str() + "'";
  if (tensor.isMeta())
    return fmt::format("tensor(..., device='meta', size=({}), dtype={})", fmt::join(tensor.shape(), ", "),
                       dtypeName(tensor.dtype()));
  if (tensor.dtype() != DType::Float32 && tensor.dtype() != DType::Int64 && tensor.dtype() != DType::Bool)
    suffix += ", dtype=" + std::string(dtypeName(tensor.dtype()));
  std::vector<Scalar> values = tensor.toScalars();
  bool floating = isFloating(tensor.dtype());
  auto element = [&](const Scalar& s) -> std::string {
    if (s.isBool()) return s.toBool() ? "True" : "False";
    if (!floating) return std::to_string(s.toInt());
    double v = s.toDouble();
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    return fmt::format("{:.4f}", v);
  };
  // PyTorch prints at most 1000 elements, else 3 from each end of every dim.
  bool summarize = tensor.numel() > 1000;
  std::function<std::string(int64_t, int64_t, int)> nest = [&](int64_t dim, int64_t offset, int indent) {
    if (tensor.dim() == 0) return element(values[0]);
    int64_t size = tensor.size(dim);
    int64_t inner = 1;
    for (int64_t d = dim + 1; d < tensor.dim(); ++d) inner *= tensor.size(d);
    std::string out = "[";
    for (int64_t i = 0; i < size; ++i) {
      if (summarize && size > 6 && i == 3) {
        out += dim + 1 == tensor.dim() ? "..., " : "...,\n" + std::string(indent + 1, ' ');
        i = size - 3;
      }
      out += dim + 1 == tensor.dim() ? element(values[offset + i]) : nest(dim + 1, offset + i * inner, indent + 1);
      if (i + 1 < size) out += dim + 1 == tensor.dim() ? ", " : ",\n" + std::string(indent + 1, ' ');
    }
    return out + "]";
  };
  return "tensor(" + nest(0, 0, 7) + suffix + ")";
}


std::string repr(const Value& value) {
  if (value.isNone()) return "None";
  if (value.isBool()) return value.asBool() ? "True" : "False";
  if (value.isInt()) return std::to_string(value.asInt());
  if (value.isFloat()) return formatPythonFloat(value.asFloat());
  if (value.isStr()) return "'" + value.asStr() + "'";
  if (value.isEllipsis()) return "Ellipsis";
  if (value.isDType()) return std::string(dtypeName(value.asDType()));
  if (value.isDevice()) return "device(type='" + value.asDevice().str() + "')";
  if (value.isTensor()) return formatTensor(value.asTensor());
  return value.asObject()->repr();
}

namespace {
std::string joinRepr(const std::vector<Value>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + repr(items[i]);
  return out;
}
}  // namespace

std::string TupleObject::repr() const {
  return items.size() == 1 ? "(" + interp::repr(items[0]) + ",)" : "(" + joinRepr(items) + ")";
}

std::string ListObject::repr() const { return "[" + joinRepr(items) + "]"; }

std::string DictObject::repr() const {
  std::string out = "{";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i) out += ", ";
    out += interp::repr(entries[i].first) + ": " + interp::repr(entries[i].second);
  }
  return out + "}";
}

namespace {
bool sameKey(const Value& a, const Value& b) {
  if (a.isStr() && b.isStr()) return a.asStr() == b.asStr();
  if (a.isDType() && b.isDType()) return a.asDType() == b.asDType();
  if ((a.isInt() || a.isBool()) && (b.isInt() || b.isBool()))
    return a.toScalar().toInt() == b.toScalar().toInt();
  return false;
}
}  // namespace

Value* DictObject::find(const Value& key) {
  for (auto& entry : entries)
    if (sameKey(entry.first, key)) return &entry.second;
  return nullptr;
}

void DictObject::set(const Value& key, Value value) {
  if (Value* existing = find(key)) {
    *existing = std::move(value);
    return;
  }
  entries.emplace_back(key, std::move(value));
}

std::string SliceObject::repr() const {
  return "slice(" + interp::repr(start) + ", " + interp::repr(stop) + ", " + interp::repr(step) + ")";
}

std::string RangeObject::repr() const {
  return step == 1 ? fmt::format("range({}, {})", start, stop) : fmt::format("range({}, {}, {})", start, stop, step);
}

int64_t RangeObject::length() const {
  if (step > 0) return start < stop ? (stop - start + step - 1) / step : 0;
  return start > stop ? (start - stop - step - 1) / -step : 0;
}

std::optional<Value> ModuleObject::attribute(const std::string& attr) const {
  auto it = members.find(attr);
  if (it == members.end()) return std::nullopt;
  return it->second;
}

std::optional<Value> RecordObject::attribute(const std::string& attr) const {
  auto it = fields.find(attr);
  if (it == fields.end()) return std::nullopt;
  return it->second;
}

}  // namespace hel::interp
