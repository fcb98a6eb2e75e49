#include "runtime/interp/Value.h"

#include <fmt/format.h>

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

namespace {
// repr() of the items, for containers; scalars and strings only (tensors and
// objects go through the interpreter's repr, which knows their formatting).
std::string itemRepr(const Value& value);

std::string joinRepr(const std::vector<Value>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    out += itemRepr(items[i]);
  }
  return out;
}

std::string itemRepr(const Value& value) {
  if (value.isNone()) return "None";
  if (value.isBool()) return value.asBool() ? "True" : "False";
  if (value.isInt()) return std::to_string(value.asInt());
  if (value.isFloat()) return formatPythonFloat(value.asFloat());
  if (value.isStr()) return "'" + value.asStr() + "'";
  if (value.isEllipsis()) return "Ellipsis";
  if (value.isDType()) return std::string(dtypeName(value.asDType()));
  if (value.isDevice()) return "device(type='" + value.asDevice().str() + "')";
  if (value.isTensor()) return "tensor(...)";
  return value.asObject()->repr();
}
}  // namespace

std::string TupleObject::repr() const {
  return items.size() == 1 ? "(" + itemRepr(items[0]) + ",)" : "(" + joinRepr(items) + ")";
}

std::string ListObject::repr() const { return "[" + joinRepr(items) + "]"; }

std::string DictObject::repr() const {
  std::string out = "{";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i) out += ", ";
    out += itemRepr(entries[i].first) + ": " + itemRepr(entries[i].second);
  }
  return out + "}";
}

namespace {
bool sameKey(const Value& a, const Value& b) {
  if (a.isStr() && b.isStr()) return a.asStr() == b.asStr();
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
  return "slice(" + itemRepr(start) + ", " + itemRepr(stop) + ", " + itemRepr(step) + ")";
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
