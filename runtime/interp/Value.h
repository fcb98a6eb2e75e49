// The values of the host interpreter: Python's (None, bool, int, float, str,
// tuple, list, dict, slice, functions, modules) plus tensors, dtypes, devices
// and kernels. Small values are held inline; the rest are shared heap objects,
// so copying a Value is cheap and lists/dicts alias as in Python.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "runtime/Device.h"
#include "runtime/Tensor.h"
#include "support/DType.h"

namespace hel::interp {

class Object;

struct NoneValue {
  bool operator==(const NoneValue&) const { return true; }
};
struct EllipsisValue {
  bool operator==(const EllipsisValue&) const { return true; }
};

class Value {
 public:
  Value() : data_(NoneValue{}) {}
  Value(bool v) : data_(v) {}
  Value(int v) : data_(int64_t{v}) {}
  Value(int64_t v) : data_(v) {}
  Value(double v) : data_(v) {}
  Value(const char* v) : data_(std::string(v)) {}
  Value(std::string v) : data_(std::move(v)) {}
  Value(EllipsisValue v) : data_(v) {}
  Value(DType v) : data_(v) {}
  Value(Device v) : data_(v) {}
  Value(Tensor v) : data_(std::move(v)) {}
  Value(std::shared_ptr<Object> v) : data_(std::move(v)) {}
  template <typename T, typename = std::enable_if_t<std::is_base_of_v<Object, T>>>
  Value(std::shared_ptr<T> v) : data_(std::shared_ptr<Object>(std::move(v))) {}

  bool isNone() const { return std::holds_alternative<NoneValue>(data_); }
  bool isBool() const { return std::holds_alternative<bool>(data_); }
  bool isInt() const { return std::holds_alternative<int64_t>(data_); }
  bool isFloat() const { return std::holds_alternative<double>(data_); }
  // bool, int or float: Python's numbers.
  bool isNumber() const { return isBool() || isInt() || isFloat(); }
  bool isStr() const { return std::holds_alternative<std::string>(data_); }
  bool isEllipsis() const { return std::holds_alternative<EllipsisValue>(data_); }
  bool isDType() const { return std::holds_alternative<DType>(data_); }
  bool isDevice() const { return std::holds_alternative<Device>(data_); }
  bool isTensor() const { return std::holds_alternative<Tensor>(data_); }
  bool isObject() const { return std::holds_alternative<std::shared_ptr<Object>>(data_); }

  bool asBool() const { return std::get<bool>(data_); }
  int64_t asInt() const { return std::get<int64_t>(data_); }
  double asFloat() const { return std::get<double>(data_); }
  const std::string& asStr() const { return std::get<std::string>(data_); }
  DType asDType() const { return std::get<DType>(data_); }
  Device asDevice() const { return std::get<Device>(data_); }
  const Tensor& asTensor() const { return std::get<Tensor>(data_); }
  const std::shared_ptr<Object>& asObject() const { return std::get<std::shared_ptr<Object>>(data_); }

  // The object as a T, or null when it is something else.
  template <typename T>
  T* as() const {
    return isObject() ? dynamic_cast<T*>(asObject().get()) : nullptr;
  }
  template <typename T>
  bool is() const {
    return as<T>() != nullptr;
  }

  // A Python number as a runtime Scalar (bool, int or float).
  Scalar toScalar() const;

 private:
  std::variant<NoneValue, bool, int64_t, double, std::string, EllipsisValue, DType, Device, Tensor,
               std::shared_ptr<Object>>
      data_;
};

// Python's type name of a value: "int", "Tensor", "function", ...
std::string typeName(const Value& value);
// Python's repr() of a value (str() differs only for strings).
std::string repr(const Value& value);
// PyTorch's printing of a tensor: `tensor([1.0000, 2.0000], device='cuda:0')`.
std::string formatTensor(const Tensor& tensor);

class Interpreter;

// Every heap value derives from Object.
class Object {
 public:
  virtual ~Object() = default;
  virtual std::string typeName() const = 0;
  // Python's repr(); str() is the same for all but strings.
  virtual std::string repr() const;
  // An attribute (`obj.name`), or nullopt when there is none.
  virtual std::optional<Value> attribute(const std::string& name) const { return std::nullopt; }
};

struct TupleObject : Object {
  explicit TupleObject(std::vector<Value> items) : items(std::move(items)) {}
  std::string typeName() const override { return "tuple"; }
  std::string repr() const override;
  std::vector<Value> items;
};

struct ListObject : Object {
  explicit ListObject(std::vector<Value> items) : items(std::move(items)) {}
  std::string typeName() const override { return "list"; }
  std::string repr() const override;
  std::vector<Value> items;
};

// Keys are kept in insertion order, as Python's dicts do.
struct DictObject : Object {
  std::string typeName() const override { return "dict"; }
  std::string repr() const override;
  Value* find(const Value& key);
  void set(const Value& key, Value value);
  std::vector<std::pair<Value, Value>> entries;
};

struct SliceObject : Object {
  std::string typeName() const override { return "slice"; }
  std::string repr() const override;
  Value start, stop, step;
};

struct RangeObject : Object {
  RangeObject(int64_t start, int64_t stop, int64_t step) : start(start), stop(stop), step(step) {}
  std::string typeName() const override { return "range"; }
  std::string repr() const override;
  int64_t length() const;
  int64_t start, stop, step;
};

// A module: `torch`, `helion.language`, ... Its members are filled once.
struct ModuleObject : Object {
  explicit ModuleObject(std::string name) : name(std::move(name)) {}
  std::string typeName() const override { return "module"; }
  std::string repr() const override { return "<module '" + name + "'>"; }
  std::optional<Value> attribute(const std::string& attr) const override;
  std::string name;
  std::map<std::string, Value> members;
};

// A type used as a value: `int`, `float`, `torch.Tensor` (for isinstance and
// annotations), and the jaxtyping dtype markers such as `Float32`.
struct TypeObject : Object {
  explicit TypeObject(std::string name) : name(std::move(name)) {}
  std::string typeName() const override { return "type"; }
  std::string repr() const override { return "<class '" + name + "'>"; }
  std::string name;
};

// An object with named fields, for internal records (a reference-data case).
struct RecordObject : Object {
  explicit RecordObject(std::string name) : name(std::move(name)) {}
  std::string typeName() const override { return name; }
  std::optional<Value> attribute(const std::string& attr) const override;
  std::string name;
  std::map<std::string, Value> fields;
};

}  // namespace hel::interp
