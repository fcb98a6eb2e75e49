#include "lower/IRPrinter.h"

#include <fmt/format.h>

#include <cctype>
#include <unordered_map>
#include <unordered_set>

namespace hel::tir {
namespace {

// The printed name of every value of a kernel, assigned in textual order.
class ValueNames {
 public:
  explicit ValueNames(const Kernel& kernel) {
    for (const auto& param : kernel.body.arguments()) assign(param.get());
    assignBlock(kernel.body);
  }

  std::string operator()(const Value* value) const {
    auto it = names_.find(value);
    return it == names_.end() ? "%<undefined>" : "%" + it->second;
  }

 private:
  void assignBlock(const Block& block) {
    for (const auto& op : block.ops()) {
      for (size_t i = 0; i < op->numResults(); ++i) assign(op->result(i));
      for (const auto& region : op->regions()) {
        for (const auto& argument : region->body().arguments()) assign(argument.get());
        assignBlock(region->body());
      }
    }
  }

  // A hint keeps only identifier characters and never starts with a digit, so
  // that it cannot be mistaken for a number; a taken hint gets `_1`, `_2`, ...
  void assign(const Value* value) {
    std::string hint;
    for (char c : value->nameHint())
      hint += (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.') ? c : '_';
    if (!hint.empty() && std::isdigit(static_cast<unsigned char>(hint[0]))) hint.insert(0, "_");
    std::string name = hint.empty() ? std::to_string(nextNumber_++) : hint;
    for (unsigned suffix = 1; !hint.empty() && used_.count(name); ++suffix) name = fmt::format("{}_{}", hint, suffix);
    used_.insert(name);
    names_.emplace(value, std::move(name));
  }

  std::unordered_map<const Value*, std::string> names_;
  std::unordered_set<std::string> used_;
  unsigned nextNumber_ = 0;
};

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        else out += c;
    }
  }
  return out + "\"";
}

// Floats always show a '.', an exponent, `inf` or `nan`, so that they parse back
// as floats; fmt's shortest form round-trips the double exactly.
std::string formatFloat(double value) {
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".en") == std::string::npos) text += ".0";
  return text;
}

std::string formatAttribute(const Attribute& attribute) {
  struct Formatter {
    std::string operator()(int64_t value) const { return std::to_string(value); }
    std::string operator()(double value) const { return formatFloat(value); }
    std::string operator()(const std::string& value) const { return quoted(value); }
    std::string operator()(const std::vector<int64_t>& value) const {
      return fmt::format("[{}]", fmt::join(value, ", "));
    }
  };
  return std::visit(Formatter{}, attribute);
}

// The name a unary or binary op prints under, or null (also for a malformed one,
// which then prints generically, `unary {op = ...}`, for the verifier to report).
const std::string* elementwiseName(const Op& op) {
  if (op.kind() != OpKind::Unary && op.kind() != OpKind::Binary) return nullptr;
  const Attribute* name = op.findAttribute("op");
  return name ? std::get_if<std::string>(name) : nullptr;
}

class Printer {
 public:
  Printer(const Kernel& kernel, const PrintOptions& options) : kernel_(kernel), names_(kernel), options_(options) {}

  std::string printKernel() {
    std::vector<std::string> params;
    for (const auto& param : kernel_.body.arguments())
      params.push_back(fmt::format("{}: {}", names_(param.get()), toString(param->type())));
    std::vector<std::string> axes;
    for (const GridAxis& axis : kernel_.launch.grid) {
      std::string extent = axis.extentParam >= 0 ? names_(kernel_.param(static_cast<size_t>(axis.extentParam)))
                                                 : std::to_string(axis.extent);
      axes.push_back(fmt::format("{} / {}", extent, axis.blockSize));
    }
    std::string indexing =
        kernel_.launch.indexing.empty() ? "" : fmt::format(", indexing = {}", quoted(kernel_.launch.indexing));
    out_ += fmt::format("kernel @{}({}) grid [{}] {{num_warps = {}, num_stages = {}, pid_type = {}{}}} {{\n",
                        kernel_.name, fmt::join(params, ", "), fmt::join(axes, ", "), kernel_.launch.numWarps,
                        kernel_.launch.numStages, quoted(kernel_.launch.pidType), indexing);
    printBlockOps(kernel_.body, 1);
    out_ += "}\n";
    return std::move(out_);
  }

  // The op's line without indentation; regions are printed by printRegions.
  std::string opLine(const Op& op) const {
    std::string line;
    for (size_t i = 0; i < op.numResults(); ++i) line += (i ? ", " : "") + names_(op.result(i));
    if (op.numResults() > 0) line += " = ";
    const std::string* elementwise = elementwiseName(op);
    line += elementwise ? *elementwise : opKindName(op.kind());
    for (size_t i = 0; i < op.operands().size(); ++i) line += (i ? ", " : " ") + names_(op.operand(i));
    std::vector<std::string> attributes;
    for (const NamedAttribute& attribute : op.attributes()) {
      if (elementwise && attribute.name == "op") continue;
      attributes.push_back(fmt::format("{} = {}", attribute.name, formatAttribute(attribute.value)));
    }
    if (!attributes.empty()) line += fmt::format(" {{{}}}", fmt::join(attributes, ", "));
    for (size_t i = 0; i < op.numResults(); ++i) line += (i ? ", " : " : ") + toString(op.result(i)->type());
    if (options_.locations && op.location.valid())
      line += fmt::format(" loc({}:{})", op.location.line(), op.location.column());
    return line;
  }

 private:
  void indent(int depth) { out_.append(static_cast<size_t>(depth) * 2, ' '); }

  void printBlockOps(const Block& block, int depth) {
    for (const auto& op : block.ops()) {
      indent(depth);
      out_ += opLine(*op);
      for (size_t r = 0; r < op->regions().size(); ++r) {
        out_ += r ? " else {\n" : " {\n";
        const Block& body = op->regions()[r]->body();
        if (!body.arguments().empty()) {
          std::vector<std::string> arguments;
          for (const auto& argument : body.arguments())
            arguments.push_back(fmt::format("{}: {}", names_(argument.get()), toString(argument->type())));
          indent(depth);
          out_ += fmt::format("^bb({}):\n", fmt::join(arguments, ", "));
        }
        printBlockOps(body, depth + 1);
        indent(depth);
        out_ += "}";
      }
      out_ += "\n";
    }
  }

  const Kernel& kernel_;
  ValueNames names_;
  PrintOptions options_;
  std::string out_;
};

}  // namespace

std::string print(const Kernel& kernel, const PrintOptions& options) { return Printer(kernel, options).printKernel(); }

std::string print(const Module& module, const PrintOptions& options) {
  std::string out;
  for (size_t i = 0; i < module.kernels.size(); ++i) {
    if (i) out += "\n";
    out += print(*module.kernels[i], options);
  }
  return out;
}

std::string printOp(const Kernel& kernel, const Op& op) {
  std::string line = Printer(kernel, {}).opLine(op);
  for (size_t r = 0; r < op.regions().size(); ++r) line += r ? " else {...}" : " {...}";
  return line;
}

}  // namespace hel::tir
