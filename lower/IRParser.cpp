#include "lower/IRParser.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <unordered_map>

#include "lower/Verifier.h"
#include "support/Ops.h"

namespace hel::tir {
namespace {

// Thrown after the first error has been reported: the IR parser does not recover.
struct ParseFailure {};

bool isIdentifierChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }

// A recursive-descent parser over the characters of the file. Newlines are
// spaces except after an op's name, where the operand list must start on the
// same line (so an op without operands is not taken to own the next line's).
class Parser {
 public:
  Parser(const SourceFile& file, DiagnosticEngine& diags) : file_(file), text_(file.text()), diags_(diags) {}

  std::unique_ptr<Module> parseModule() {
    auto module = std::make_unique<Module>();
    try {
      skipSpace();
      while (pos_ < text_.size()) {
        module->kernels.push_back(parseKernel());
        skipSpace();
      }
    } catch (const ParseFailure&) {
      return nullptr;
    }
    return module;
  }

 private:
  // ---- characters and tokens ----

  void skipSpace(bool newlines = true) {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (c == ' ' || c == '\t' || c == '\r' || (newlines && c == '\n')) {
        ++pos_;
      } else {
        break;
      }
    }
  }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  SourceRange here(size_t length = 1) const {
    uint32_t begin = static_cast<uint32_t>(pos_);
    return {&file_, begin, static_cast<uint32_t>(std::min(pos_ + length, text_.size()))};
  }
  SourceRange from(size_t begin) const { return {&file_, static_cast<uint32_t>(begin), static_cast<uint32_t>(pos_)}; }

  [[noreturn]] void fail(diag::Id id, SourceRange range, const std::string& argument) {
    diags_.report(id, range, argument);
    throw ParseFailure{};
  }
  [[noreturn]] void expected(const std::string& what) {
    skipSpace();
    fail(diag::TirExpected, here(), what);
  }

  bool accept(char c) {
    skipSpace();
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  void expect(char c) {
    if (!accept(c)) expected(std::string("'") + c + "'");
  }
  // An identifier-like word (also numbers' digits); empty when none starts here.
  std::string word() {
    size_t begin = pos_;
    while (pos_ < text_.size() && isIdentifierChar(text_[pos_])) ++pos_;
    return text_.substr(begin, pos_ - begin);
  }
  bool acceptKeyword(const char* keyword) {
    skipSpace();
    size_t begin = pos_;
    if (word() == keyword) return true;
    pos_ = begin;
    return false;
  }
  void expectKeyword(const char* keyword) {
    if (!acceptKeyword(keyword)) expected(std::string("'") + keyword + "'");
  }

  int64_t parseInteger() {
    skipSpace();
    size_t begin = pos_;
    if (peek() == '-') ++pos_;
    std::string digits = word();
    std::string text = text_.substr(begin, pos_ - begin);
    if (digits.empty() || !std::isdigit(static_cast<unsigned char>(digits[0]))) {
      pos_ = begin;
      expected("an integer");
    }
    errno = 0;
    char* end = nullptr;
    long long value = std::strtoll(text.c_str(), &end, 10);
    if (errno == ERANGE || *end != '\0') fail(diag::TirInvalidNumber, from(begin), text);
    return value;
  }

  std::string parseString() {
    skipSpace();
    if (peek() != '"') expected("a string");
    size_t begin = pos_++;
    std::string value;
    while (peek() != '"') {
      char c = peek();
      if (c == '\0' || c == '\n') fail(diag::TirExpected, from(begin), "the closing '\"' of the string");
      ++pos_;
      if (c != '\\') {
        value += c;
        continue;
      }
      char escaped = peek();
      ++pos_;
      switch (escaped) {
        case 'n': value += '\n'; break;
        case 't': value += '\t'; break;
        case 'x': {
          std::string hex = text_.substr(pos_, 2);
          pos_ += 2;
          value += static_cast<char>(std::strtol(hex.c_str(), nullptr, 16));
          break;
        }
        default: value += escaped;
      }
    }
    ++pos_;
    return value;
  }

  // ---- types and attributes ----

  DType parseDType() {
    skipSpace();
    size_t begin = pos_;
    std::string name = word();
    DType dtype;
    if (!parseIRDType(name, &dtype)) {
      if (name.empty()) expected("an element type");
      fail(diag::TirUnknownDType, from(begin), name);
    }
    return dtype;
  }

  Type parseType() {
    skipSpace();
    if (accept('<')) {
      // `32x64xf32`: dims, each followed by 'x', then the dtype.
      std::vector<int64_t> shape;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        size_t begin = pos_;
        while (std::isdigit(static_cast<unsigned char>(peek()))) ++pos_;
        shape.push_back(std::strtoll(text_.substr(begin, pos_ - begin).c_str(), nullptr, 10));
        if (shape.back() < 1) fail(diag::TirExpected, from(begin), "a positive dimension");
        if (peek() != 'x') expected("'x' after a dimension");
        ++pos_;
      }
      if (shape.empty()) expected("a tile shape");
      DType dtype = parseDType();
      expect('>');
      return Type::tile(dtype, std::move(shape));
    }
    if (acceptKeyword("ptr")) {
      expect('<');
      DType dtype = parseDType();
      int64_t alignment = 0;
      if (accept(',')) {
        expectKeyword("align");
        skipSpace();
        size_t begin = pos_;
        alignment = parseInteger();
        if (alignment < 1 || (alignment & (alignment - 1)) != 0)
          fail(diag::TirExpected, from(begin), "an alignment that is a power of two");
      }
      expect('>');
      return Type::pointer(dtype, alignment);
    }
    return Type::scalar(parseDType());
  }

  Attribute parseAttributeValue() {
    skipSpace();
    if (peek() == '"') return parseString();
    if (accept('[')) {
      std::vector<int64_t> values;
      if (!accept(']')) {
        do values.push_back(parseInteger());
        while (accept(','));
        expect(']');
      }
      return values;
    }
    size_t begin = pos_;
    if (peek() == '-' || peek() == '+') ++pos_;
    std::string body = word();
    // A float has a '.', an exponent (whose sign `word` stops at), inf or nan.
    if ((pos_ > begin && (text_[pos_ - 1] == 'e' || text_[pos_ - 1] == 'E')) && (peek() == '-' || peek() == '+')) {
      ++pos_;
      body += word();
    }
    std::string text = text_.substr(begin, pos_ - begin);
    if (body.empty()) {
      pos_ = begin;
      expected("an attribute value");
    }
    bool isFloat = body.find_first_of(".eEn") != std::string::npos;
    if (!isFloat) {
      pos_ = begin;
      return parseInteger();
    }
    char* end = nullptr;
    double value = std::strtod(text.c_str(), &end);
    if (*end != '\0') fail(diag::TirInvalidNumber, from(begin), text);
    return value;
  }

  std::vector<NamedAttribute> parseAttributes() {
    std::vector<NamedAttribute> attributes;
    expect('{');
    if (accept('}')) return attributes;
    do {
      skipSpace();
      std::string name = word();
      if (name.empty()) expected("an attribute name");
      expect('=');
      attributes.push_back({name, parseAttributeValue()});
    } while (accept(','));
    expect('}');
    return attributes;
  }

  // Whether a '{' here opens an attribute dictionary (`{name =`) rather than a region.
  bool atAttributes() {
    skipSpace(false);
    if (peek() != '{') return false;
    size_t saved = pos_;
    ++pos_;
    skipSpace(false);
    bool attributes = peek() == '}' || (!word().empty() && accept('='));
    pos_ = saved;
    return attributes;
  }

  // ---- values ----

  // `%name` (the name without '%'); empty when no '%' is here.
  std::string valueName() {
    skipSpace();
    if (peek() != '%') return "";
    size_t begin = pos_++;
    std::string name = word();
    if (name.empty()) {
      pos_ = begin;
      expected("a value name after '%'");
    }
    return name;
  }

  void define(const std::string& name, Value* value, SourceRange range) {
    auto [it, inserted] = definitions_.emplace(name, range);
    if (!inserted) {
      diags_.report(diag::TirRedefinedValue, range, "%" + name)
          .note(diag::TirPreviousDefinition, it->second, "%" + name);
      throw ParseFailure{};
    }
    // Numbers are positions, not names: the printer renumbers them.
    if (!std::isdigit(static_cast<unsigned char>(name[0]))) value->setNameHint(name);
    scopes_.back().emplace(name, value);
  }

  Value* use() {
    skipSpace();
    size_t begin = pos_;
    std::string name = valueName();
    if (name.empty()) expected("a value");
    for (auto scope = scopes_.rbegin(); scope != scopes_.rend(); ++scope) {
      auto it = scope->find(name);
      if (it != scope->end()) return it->second;
    }
    fail(diag::TirUndefinedValue, from(begin), "%" + name);
  }

  // ---- kernels, ops, regions ----

  std::unique_ptr<Kernel> parseKernel() {
    auto kernel = std::make_unique<Kernel>();
    skipSpace();
    size_t begin = pos_;
    expectKeyword("kernel");
    expect('@');
    kernel->name = word();
    if (kernel->name.empty()) expected("the kernel's name");
    kernel->location = from(begin);
    definitions_.clear();
    scopes_.assign(1, {});
    expect('(');
    if (!accept(')')) {
      do {
        size_t nameBegin = pos_;
        std::string name = valueName();
        if (name.empty()) expected("a parameter");
        SourceRange range = from(nameBegin);
        expect(':');
        define(name, kernel->body.addArgument(parseType()), range);
      } while (accept(','));
      expect(')');
    }
    parseGrid(*kernel);
    for (const NamedAttribute& attribute : parseAttributes()) setLaunchAttribute(*kernel, attribute);
    expect('{');
    parseOps(kernel->body);
    SourceRange where;
    std::string problem = verify(*kernel, &where);
    if (!problem.empty()) fail(diag::TirInvalid, where.valid() ? where : kernel->location, problem);
    return kernel;
  }

  void parseGrid(Kernel& kernel) {
    expectKeyword("grid");
    expect('[');
    if (accept(']')) return;
    do {
      GridAxis axis;
      skipSpace();
      if (peek() == '%') {
        Value* extent = use();
        axis.extentParam = static_cast<int>(extent->index());
      } else {
        axis.extent = parseInteger();
      }
      expect('/');
      axis.blockSize = parseInteger();
      kernel.launch.grid.push_back(axis);
    } while (accept(','));
    expect(']');
  }

  void setLaunchAttribute(Kernel& kernel, const NamedAttribute& attribute) {
    const std::string& name = attribute.name;
    if ((name == "num_warps" || name == "num_stages") && std::holds_alternative<int64_t>(attribute.value)) {
      (name == "num_warps" ? kernel.launch.numWarps : kernel.launch.numStages) = std::get<int64_t>(attribute.value);
    } else if (name == "pid_type" && std::holds_alternative<std::string>(attribute.value)) {
      kernel.launch.pidType = std::get<std::string>(attribute.value);
    } else if (name == "indexing" && std::holds_alternative<std::string>(attribute.value)) {
      kernel.launch.indexing = std::get<std::string>(attribute.value);
    } else {
      fail(diag::TirUnknownKernelAttribute, kernel.location, name);
    }
  }

  // The ops of a block up to its closing '}'.
  void parseOps(Block& block) {
    while (!accept('}')) {
      if (pos_ >= text_.size()) expected("'}'");
      parseOp(block);
    }
  }

  OpKind opKind(const std::string& name, size_t operands, SourceRange range) {
#define HEL_TIR_OP_LOOKUP(kind, text) \
  if (name == text) return OpKind::kind;
    HEL_TIR_OPS(HEL_TIR_OP_LOOKUP)
#undef HEL_TIR_OP_LOOKUP
    if (operands == 1 && opNamed<UnaryOp>(name)) return OpKind::Unary;
    if (operands == 2 && opNamed<BinaryOp>(name)) return OpKind::Binary;
    diags_.report(diag::TirUnknownOp, range, name, operands);
    throw ParseFailure{};
  }

  void parseOp(Block& block) {
    skipSpace();
    size_t begin = pos_;
    std::vector<std::pair<std::string, SourceRange>> results;
    if (peek() == '%') {
      do {
        size_t nameBegin = pos_;
        std::string name = valueName();
        if (name.empty()) expected("a result name");
        results.emplace_back(name, from(nameBegin));
      } while (accept(','));
      expect('=');
    }
    skipSpace();
    size_t nameBegin = pos_;
    std::string name = word();
    if (name.empty()) expected("an op name");
    SourceRange nameRange = from(nameBegin);

    std::vector<Value*> operands;
    skipSpace(false);
    if (peek() == '%') {
      do operands.push_back(use());
      while (accept(','));
    }
    OpKind kind = opKind(name, operands.size(), nameRange);
    std::vector<NamedAttribute> attributes;
    if (atAttributes()) attributes = parseAttributes();
    if (kind == OpKind::Unary || kind == OpKind::Binary) {
      if (name != "unary" && name != "binary") attributes.insert(attributes.begin(), {"op", name});
    }
    std::vector<Type> types;
    skipSpace(false);
    if (accept(':')) {
      do types.push_back(parseType());
      while (accept(','));
    }
    if (types.size() != results.size()) {
      diags_.report(diag::TirResultCount, from(begin), results.size(), types.size());
      throw ParseFailure{};
    }
    auto op = std::make_unique<Op>(kind, std::move(operands), types);
    op->location = from(begin);
    for (NamedAttribute& attribute : attributes) op->setAttribute(attribute.name, std::move(attribute.value));
    skipLocation();
    Op* added = block.append(std::move(op));
    // Regions first: their values are not visible to the op's results' users,
    // and the results are not visible inside them.
    skipSpace(false);
    if (peek() == '{') {
      do parseRegion(added->addRegion());
      while (acceptKeyword("else"));
    }
    for (size_t i = 0; i < results.size(); ++i) define(results[i].first, added->result(i), results[i].second);
  }

  // ` loc(LINE:COL)` as `print` writes it with locations: the parsed op's own
  // location (in the .tir file) is kept instead.
  void skipLocation() {
    skipSpace(false);
    if (text_.compare(pos_, 4, "loc(") != 0) return;
    pos_ += 4;
    parseInteger();
    expect(':');
    parseInteger();
    expect(')');
  }

  void parseRegion(Region& region) {
    expect('{');
    scopes_.emplace_back();
    skipSpace();
    if (text_.compare(pos_, 3, "^bb") == 0) {
      pos_ += 3;
      expect('(');
      if (!accept(')')) {
        do {
          skipSpace();
          size_t nameBegin = pos_;
          std::string name = valueName();
          if (name.empty()) expected("a block argument");
          SourceRange range = from(nameBegin);
          expect(':');
          define(name, region.body().addArgument(parseType()), range);
        } while (accept(','));
        expect(')');
      }
      expect(':');
    }
    parseOps(region.body());
    scopes_.pop_back();
  }

  const SourceFile& file_;
  const std::string& text_;
  DiagnosticEngine& diags_;
  size_t pos_ = 0;
  std::vector<std::unordered_map<std::string, Value*>> scopes_;
  std::unordered_map<std::string, SourceRange> definitions_;
};

}  // namespace

std::unique_ptr<Module> parse(const SourceFile& file, DiagnosticEngine& diags) {
  return Parser(file, diags).parseModule();
}

}  // namespace hel::tir
