// The front end's driver: tokens, parse, AST, and what to do after a syntax
// error.
//
// Parsing uses ANTLR's two-stage strategy: SLL prediction first (fast, enough
// for every valid program of this grammar), full LL only when SLL reports an
// error, to find the error's true place. Either way the parse stops at the
// first error (ErrorCapture). To find further, independent errors the parse
// restarts at the logical line after the offending one, over the rest of the
// token stream "rebased" to that line's indentation: the INDENT/DEDENT pairs
// that enclose it are dropped, and an `elif`/`else` whose `if` lies before the
// restart is read as `if`. Every restart starts at a statement boundary, so an
// error found after it is a real one, not a consequence of the previous one.
#include "parser/Parser.h"
#include "parser/Literals.h"

#include <fmt/format.h>

#include <climits>
#include <unordered_set>

#include "parser/AstBuilder.h"
#include "parser/FrontEnd.h"
#include "parser/SyntaxErrors.h"
#include "parser/Tokenizer.h"

namespace hel {
namespace parser {
namespace {

using antlr4::CommonToken;
using antlr4::Token;
using TokenList = std::vector<std::unique_ptr<Token>>;

// After this many syntax errors, stop looking for more.
constexpr int kMaxErrors = 50;

// What a restart needs of a token: a copy of it can be made from this.
struct TokenRecord {
  size_t type;
  size_t start;
  size_t stop;
};

// One logical line: its first token and how many blocks enclose it.
struct Line {
  size_t first;
  int depth;
};

std::vector<Line> logicalLines(const TokenList& tokens) {
  std::vector<Line> lines;
  int depth = 0;
  bool atStart = true;
  for (size_t i = 0; i < tokens.size(); ++i) {
    switch (tokens[i]->getType()) {
      case HelParser::INDENT: ++depth; break;
      case HelParser::DEDENT: --depth; break;
      case HelParser::NEWLINE: atStart = true; break;
      case Token::EOF: return lines;
      default:
        if (atStart) lines.push_back({i, depth});
        atStart = false;
    }
  }
  return lines;
}

// The tokens of one parse, copied from the file's, and where each came from.
struct Segment {
  TokenList tokens;
  std::vector<size_t> original;
  int depth = 0;
};

// Where a parse restarted at `line` stops: at the next top-level statement
// (not an `else`/`elif` or a `def` after a decorator, which belong to the one
// before), so that the parses after an error read each statement once.
size_t segmentEnd(const std::vector<TokenRecord>& all, const std::vector<Line>& lines, size_t line) {
  for (size_t k = line + 1; k < lines.size(); ++k) {
    size_t first = all[lines[k].first].type;
    if (lines[k].depth == 0 && first != HelParser::ELSE && first != HelParser::ELIF &&
        all[lines[k - 1].first].type != HelParser::AT)
      return k;
  }
  return lines.size();
}

// The tokens of logical lines [lineIndex, endLine), rebased to the indentation
// of the first (see the file comment), and an EOF.
template <typename MakeToken>
Segment rebase(const std::vector<TokenRecord>& all, const std::vector<Line>& lines, size_t lineIndex,
               size_t endLine, MakeToken makeToken) {
  Segment segment;
  size_t start = lines[lineIndex].first;
  size_t stop = endLine < lines.size() ? lines[endLine].first : all.size();
  bool restarted = lineIndex > 0;
  segment.depth = lineIndex < lines.size() ? lines[lineIndex].depth : 0;
  std::vector<bool> kept(static_cast<size_t>(segment.depth), false);  // per open block: its INDENT was kept
  auto add = [&](const TokenRecord& token, size_t index, size_t type) {
    segment.tokens.push_back(makeToken(token, type));
    segment.original.push_back(index);
  };
  int minDepth = INT_MAX;
  size_t nextLine = lineIndex;
  for (size_t i = start; i < stop; ++i) {
    const TokenRecord& token = all[i];
    size_t type = token.type;
    if (type == HelParser::INDENT) {
      kept.push_back(true);
      add(token, i, type);
      continue;
    }
    if (type == HelParser::DEDENT) {
      bool wasKept = !kept.empty() && kept.back();
      if (!kept.empty()) kept.pop_back();
      if (wasKept) add(token, i, type);
      continue;
    }
    if (nextLine < lines.size() && lines[nextLine].first == i) {
      int depth = lines[nextLine++].depth;
      if (restarted && depth < minDepth && (type == HelParser::ELSE || type == HelParser::ELIF)) {
        // Its `if` (or loop) is before the restart: read `elif c:` as `if c:`
        // and `else:` as `if True:`, so that its block is still checked.
        add(token, i, HelParser::IF);
        if (type == HelParser::ELSE) add(token, i, HelParser::TRUE);
        minDepth = std::min(minDepth, depth);
        continue;
      }
      minDepth = std::min(minDepth, depth);
    }
    add(token, i, type);
  }
  if (stop < all.size()) {  // the next top-level statement starts here
    const TokenRecord& next = all[stop];
    add({Token::EOF, next.start, next.start - 1}, stop, Token::EOF);
  }
  return segment;
}

// One run of the parser over a token sequence.
class ParseRun {
 public:
  explicit ParseRun(TokenList tokens) : source_(std::move(tokens)), stream_(&source_), parser_(&stream_) {
    stream_.fill();
    parser_.removeErrorListeners();
    parser_.setErrorHandler(capture_);
  }

  // Runs `rule`; null after a syntax error (see error()).
  template <typename Rule>
  auto parse(Rule rule) -> decltype(rule(std::declval<HelParser&>())) {
    auto* simulator = parser_.getInterpreter<antlr4::atn::ParserATNSimulator>();
    simulator->setPredictionMode(antlr4::atn::PredictionMode::SLL);
    try {
      return rule(parser_);
    } catch (const antlr4::ParseCancellationException&) {
    }
    parser_.reset();
    simulator->setPredictionMode(antlr4::atn::PredictionMode::LL);
    try {
      return rule(parser_);
    } catch (const antlr4::ParseCancellationException&) {
      return nullptr;
    }
  }

  const CapturedError& error() const { return capture_->error; }
  HelParser& parser() { return parser_; }
  antlr4::TokenStream& stream() { return stream_; }

 private:
  antlr4::ListTokenSource source_;
  antlr4::CommonTokenStream stream_;
  HelParser parser_;
  std::shared_ptr<ErrorCapture> capture_ = std::make_shared<ErrorCapture>();
};

// The rule contexts that enclose an error, innermost first; the last is the root.
std::unordered_set<const antlr4::ParserRuleContext*> errorPath(antlr4::ParserRuleContext* ctx,
                                                               antlr4::ParserRuleContext** root) {
  std::unordered_set<const antlr4::ParserRuleContext*> path;
  for (antlr4::ParserRuleContext* c = ctx; c; c = dynamic_cast<antlr4::ParserRuleContext*>(c->parent)) {
    path.insert(c);
    *root = c;
  }
  return path;
}

// The index of the logical line to restart at after an error at token `bad`.
size_t restartLine(const std::vector<TokenRecord>& all, const std::vector<Line>& lines, size_t bad) {
  size_t line = 0;
  while (line < lines.size() && lines[line].first <= bad) ++line;
  // After an unexpected indent, skip the line it introduces as well.
  if (all[bad].type == HelParser::INDENT && line < lines.size()) ++line;
  return line;
}

bool validUtf8(const SourceFile& file, DiagnosticBuffer& diags) {
  size_t bad = findInvalidUtf8(file.text());
  if (bad == std::string::npos) return true;
  auto offset = static_cast<uint32_t>(bad);
  diags.report(diag::InvalidUtf8, SourceRange{&file, offset, offset + 1},
               static_cast<unsigned>(static_cast<unsigned char>(file.text()[bad])));
  return false;
}

uint32_t textBegin(const SourceFile& file) {
  return file.text().compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;  // skip a byte-order mark
}


}  // namespace

std::unique_ptr<ast::Module> parseFile(const SourceFile& file, DiagnosticBuffer& diags) {
  if (!validUtf8(file, diags)) return nullptr;
  auto size = static_cast<uint32_t>(file.text().size());
  SourceText text(file, textBegin(file), size);
  Tokenizer tokenizer(text, diags, Tokenizer::Mode::File);
  TokenList tokens = tokenizer.tokenizeAll();
  std::vector<Line> lines = logicalLines(tokens);
  // The block depth of every token's logical line.
  std::vector<int> depthOf(tokens.size(), 0);
  for (size_t k = 0; k < lines.size(); ++k) {
    size_t end = k + 1 < lines.size() ? lines[k + 1].first : depthOf.size();
    for (size_t i = lines[k].first; i < end; ++i) depthOf[i] = lines[k].depth;
  }

  // The first run takes the tokens themselves; restarts take copies of the
  // part they read, made from what the first run leaves of them.
  std::vector<TokenRecord> records;
  records.reserve(tokens.size());
  for (const auto& token : tokens)
    records.push_back({token->getType(), token->getStartIndex(), token->getStopIndex()});
  auto makeToken = [&](const TokenRecord& record, size_t type) -> std::unique_ptr<Token> {
    return std::make_unique<CommonToken>(std::make_pair(static_cast<antlr4::TokenSource*>(&tokenizer), text.stream()),
                                         type, Token::DEFAULT_CHANNEL, record.start, record.stop);
  };

  auto module = std::make_unique<ast::Module>(SourceRange{&file, 0, size});
  size_t line = 0;
  int errors = 0;
  for (int run = 0;; ++run) {
    Segment segment;
    size_t end = lines.size();
    if (run == 0) {
      segment.tokens = std::move(tokens);
      segment.original.resize(segment.tokens.size());
      for (size_t i = 0; i < segment.original.size(); ++i) segment.original[i] = i;
    } else {
      end = segmentEnd(records, lines, line);
      segment = rebase(records, lines, line, end, makeToken);
    }
    ParseRun parse(std::move(segment.tokens));
    auto* tree = parse.parse([](HelParser& p) { return p.file_input(); });
    AstBuilder builder(text, parse.stream(), diags);
    if (run > 0) {
      builder.setOuterContext([&](const Token* token) {
        return depthOf[segment.original[token->getTokenIndex()]] == 0;
      });
    }
    if (tree) {
      ast::StmtList body = builder.buildFile(tree);
      if (run == 0) module->body = std::move(body);
      if (end >= lines.size()) break;
      line = end;  // on to the next top-level statement
      continue;
    }
    const CapturedError& error = parse.error();
    reportSyntaxError(error, parse.parser(), text, diags);
    ++errors;
    if (!error.offending || !error.ctx) break;
    antlr4::ParserRuleContext* root = nullptr;
    auto path = errorPath(error.ctx, &root);
    builder.checkPartial(root, path);

    // (The EOF that ends a restarted parse stands for the first token of the
    // next top-level statement.)
    size_t bad = segment.original[error.offending->getTokenIndex()];
    if (records[bad].type == Token::EOF || diags.isCut(text.offsetOf(records[bad].start))) break;
    size_t next = restartLine(records, lines, bad);
    if (next >= lines.size() || next <= line || errors >= kMaxErrors) break;
    line = next;
  }
  return module;
}

ast::ExprPtr parseFStringField(const SourceFile& file, uint32_t begin, uint32_t end, DiagnosticBuffer& diags) {
  DiagnosticBuffer inner;
  SourceText text(file, begin, end);
  Tokenizer tokenizer(text, inner, Tokenizer::Mode::Expression);
  ParseRun parse(tokenizer.tokenizeAll());
  ast::ExprPtr result;
  if (auto* tree = parse.parse([](HelParser& p) { return p.fstring_expr(); })) {
    AstBuilder builder(text, parse.stream(), inner);
    result = builder.buildFStringExpr(tree);
  } else {
    reportSyntaxError(parse.error(), parse.parser(), text, inner);
  }
  // Errors inside a field are f-string errors.
  for (const Diagnostic& d : inner.items()) {
    if (d.severity != Severity::Error) {
      diags.add(d);
      continue;
    }
    Diagnostic wrapped = DiagnosticEngine::make(diag::InvalidFString, d.range, d.message);
    wrapped.notes = d.notes;
    diags.add(std::move(wrapped));
  }
  return inner.errorCount() ? nullptr : std::move(result);
}

}  // namespace parser

std::unique_ptr<ast::Module> parseModule(const SourceFile& file, DiagnosticEngine& engine) {
  parser::DiagnosticBuffer diags;
  std::unique_ptr<ast::Module> module = parser::parseFile(file, diags);
  bool failed = !module || diags.errorCount() > 0;
  diags.flush(engine);
  if (failed) return nullptr;
  return module;
}

bool dumpTokens(const SourceFile& file, DiagnosticEngine& engine, std::string& out) {
  parser::DiagnosticBuffer diags;
  if (parser::validUtf8(file, diags)) {
    parser::SourceText text(file, parser::textBegin(file), static_cast<uint32_t>(file.text().size()));
    parser::Tokenizer tokenizer(text, diags, parser::Tokenizer::Mode::File);
    for (const auto& token : tokenizer.tokenizeAll()) {
      SourceRange range = text.range(token.get());
      std::string line = fmt::format("{:<12} {:<14}", tokenizer.typeName(token->getType()), ast::formatRange(range));
      if (range.end > range.begin) line += " " + parser::quoteForDump(range.text());
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line;
      out += '\n';
    }
  }
  bool ok = diags.errorCount() == 0;
  diags.flush(engine);
  return ok;
}

std::string dumpAst(const ast::Module& module) { return ast::dump(module); }

}  // namespace hel
