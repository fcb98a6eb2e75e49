#include "sema/Builtins.h"

#include <algorithm>
#include <stdexcept>
#include <unordered_map>

namespace hel::sema {
namespace {

struct Entry {
  const char* name;
  const char* signature;
  BuiltinRule rule;
  const char* op;
};

constexpr Entry kEntries[] = {
#define HEL_BUILTIN(Id, name, signature, Rule, op) {name, signature, BuiltinRule::Rule, op},
#include "sema/Builtins.def"
#undef HEL_BUILTIN
};

Builtin makeBuiltin(const std::string& qualifiedName, const std::string& signature, BuiltinRule rule,
                    const std::string& op) {
  Builtin builtin;
  builtin.qualifiedName = qualifiedName;
  builtin.rule = rule;
  builtin.op = op;
  builtin.signature = Signature::parse(std::string(builtin.name()), signature);
  switch (rule) {
    case BuiltinRule::Unary:
      builtin.unaryOp = *opNamed<UnaryOp>(op);
      break;
    case BuiltinRule::Binary:
      builtin.binaryOp = *opNamed<BinaryOp>(op);
      break;
    case BuiltinRule::Reduce:
      builtin.reduceOp = *opNamed<ReduceOp>(op);
      break;
    case BuiltinRule::Scan:
      builtin.scanOp = *opNamed<ScanOp>(op);
      break;
    case BuiltinRule::MaxMin:
      builtin.reduceOp = op == "max" ? ReduceOp::Max : ReduceOp::Min;
      break;
    default:
      break;
  }
  return builtin;
}

// The table's entries, then `torch.NAME` and `Tensor.NAME` for every Ops.def op
// that the table does not already name.
std::vector<Builtin> buildTable() {
  std::vector<Builtin> table;
  std::unordered_map<std::string, bool> named;
  auto add = [&](const std::string& name, const std::string& signature, BuiltinRule rule, const std::string& op) {
    if (named.emplace(name, true).second) table.push_back(makeBuiltin(name, signature, rule, op));
  };
  for (const Entry& entry : kEntries) add(entry.name, entry.signature, entry.rule, entry.op);
  auto addBoth = [&](std::string_view op, const char* arguments, BuiltinRule rule) {
    std::string name(op);
    add("torch." + name, std::string("(input") + arguments + ")", rule, name);
    add("Tensor." + name, std::string("(self") + arguments + ")", rule, name);
  };
  for (const UnaryOpInfo& info : kUnaryOps) addBoth(info.name, "", BuiltinRule::Unary);
  for (const BinaryOpInfo& info : kBinaryOps) addBoth(info.name, ", other", BuiltinRule::Binary);
  for (const ReduceOpInfo& info : kReduceOps)
    addBoth(info.name, ", dim=None, keepdim=False, *, dtype=None", BuiltinRule::Reduce);
  for (const ScanOpInfo& info : kScanOps) addBoth(info.name, ", dim, *, dtype=None", BuiltinRule::Scan);
  return table;
}

}  // namespace

std::string_view Builtin::module() const {
  std::string_view name(qualifiedName);
  return name.substr(0, name.rfind('.'));
}

std::string_view Builtin::name() const {
  std::string_view name(qualifiedName);
  return name.substr(name.rfind('.') + 1);
}

const std::vector<Builtin>& builtins() {
  static const std::vector<Builtin> table = buildTable();
  return table;
}

const Builtin* findBuiltin(std::string_view qualifiedName) {
  static const std::unordered_map<std::string_view, const Builtin*> index = [] {
    std::unordered_map<std::string_view, const Builtin*> map;
    for (const Builtin& builtin : builtins()) map.emplace(builtin.qualifiedName, &builtin);
    return map;
  }();
  auto it = index.find(qualifiedName);
  return it == index.end() ? nullptr : it->second;
}

}  // namespace hel::sema
