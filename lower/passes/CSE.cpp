// cse: a pure op equal to one before it that is visible (in its block or an
// enclosing one) is replaced by it. Equal: same kind, operands, attributes and
// result types. Loads are not pure (memory may change between them), and ops
// with regions are left alone.
#include <fmt/format.h>

#include <cstring>

#include "lower/Rewrite.h"
#include "lower/passes/Passes.h"

namespace hel::tir {
namespace {

std::string attributeKey(const Attribute& attribute) {
  struct Formatter {
    std::string operator()(int64_t value) const { return fmt::format("i{}", value); }
    // The bits, so that -0.0 and 0.0 (and NaNs) stay apart.
    std::string operator()(double value) const {
      uint64_t bits;
      std::memcpy(&bits, &value, sizeof bits);
      return fmt::format("f{:x}", bits);
    }
    std::string operator()(const std::string& value) const { return fmt::format("s{}:{}", value.size(), value); }
    std::string operator()(const std::vector<int64_t>& value) const {
      return fmt::format("[{}]", fmt::join(value, ","));
    }
  };
  return std::visit(Formatter{}, attribute);
}

std::string key(const Op& op) {
  std::string key = opKindName(op.kind());
  for (const Value* operand : op.operands()) key += fmt::format(" {}", static_cast<const void*>(operand));
  for (const NamedAttribute& attribute : op.attributes())
    key += fmt::format(" {}={}", attribute.name, attributeKey(attribute.value));
  for (size_t i = 0; i < op.numResults(); ++i) key += " : " + toString(op.result(i)->type());
  return key;
}

class CommonSubexpressions {
 public:
  void run(Block& body) {
    block(body);
    eraseOps(body, dead_);
  }

 private:
  void block(Block& block) {
    scopes_.emplace_back();
    for (auto& op : block.ops()) {
      replacements_.rewriteOperands(*op);
      if (op->regions().empty() && op->numResults() > 0 && isPure(*op)) {
        std::string opKey = key(*op);
        if (Op* earlier = visibleEqual(opKey)) {
          for (size_t i = 0; i < op->numResults(); ++i) replacements_.add(op->result(i), earlier->result(i));
          dead_.insert(op.get());
        } else {
          scopes_.back().emplace(std::move(opKey), op.get());
        }
      }
      for (auto& region : op->regions()) this->block(region->body());
    }
    scopes_.pop_back();
  }

  // An equal op of this block or an enclosing one.
  Op* visibleEqual(const std::string& key) const {
    for (size_t i = scopes_.size(); i-- > 0;) {
      auto it = scopes_[i].find(key);
      if (it != scopes_[i].end()) return it->second;
    }
    return nullptr;
  }

  std::vector<std::unordered_map<std::string, Op*>> scopes_;
  ValueReplacements replacements_;
  std::unordered_set<const Op*> dead_;
};

}  // namespace

void eliminateCommonSubexpressions(Module& module) {
  for (auto& kernel : module.kernels) CommonSubexpressions().run(kernel->body);
}

}  // namespace hel::tir
