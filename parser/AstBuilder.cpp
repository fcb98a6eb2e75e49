#include "parser/AstBuilder.h"

#include <fmt/format.h>

#include "parser/FrontEnd.h"
#include "parser/SyntaxErrors.h"

namespace hel::parser {

using antlr4::Token;
using antlr4::tree::ParseTree;
using antlr4::tree::TerminalNode;
using ast::ExprPtr;
using ast::StmtPtr;
using std::make_unique;

namespace {

Token* tokenOf(ParseTree* tree) {
  auto* terminal = dynamic_cast<TerminalNode*>(tree);
  return terminal ? terminal->getSymbol() : nullptr;
}

// The token type of a terminal, or 0 for a rule.
size_t typeOf(ParseTree* tree) {
  Token* token = tokenOf(tree);
  return token ? token->getType() : 0;
}

bool isLayout(size_t type) {
  return type == HelParser::NEWLINE || type == HelParser::INDENT || type == HelParser::DEDENT ||
         type == Token::EOF;
}

bool hasComma(antlr4::ParserRuleContext* ctx) {
  for (ParseTree* child : ctx->children)
    if (typeOf(child) == HelParser::COMMA) return true;
  return false;
}

ast::BinOpKind binOp(size_t type) {
  switch (type) {
    case HelParser::PLUS: case HelParser::PLUSEQUAL: return ast::BinOpKind::Add;
    case HelParser::MINUS: case HelParser::MINEQUAL: return ast::BinOpKind::Sub;
    case HelParser::STAR: case HelParser::STAREQUAL: return ast::BinOpKind::Mul;
    case HelParser::AT: case HelParser::ATEQUAL: return ast::BinOpKind::MatMul;
    case HelParser::SLASH: case HelParser::SLASHEQUAL: return ast::BinOpKind::Div;
    case HelParser::DOUBLESLASH: case HelParser::DOUBLESLASHEQUAL: return ast::BinOpKind::FloorDiv;
    case HelParser::PERCENT: case HelParser::PERCENTEQUAL: return ast::BinOpKind::Mod;
    case HelParser::DOUBLESTAR: case HelParser::DOUBLESTAREQUAL: return ast::BinOpKind::Pow;
    case HelParser::LEFTSHIFT: case HelParser::LEFTSHIFTEQUAL: return ast::BinOpKind::LShift;
    case HelParser::RIGHTSHIFT: case HelParser::RIGHTSHIFTEQUAL: return ast::BinOpKind::RShift;
    case HelParser::VBAR: case HelParser::VBAREQUAL: return ast::BinOpKind::BitOr;
    case HelParser::CIRCUMFLEX: case HelParser::CIRCUMFLEXEQUAL: return ast::BinOpKind::BitXor;
    default: return ast::BinOpKind::BitAnd;  // AMPER, AMPEREQUAL
  }
}

// How Python names an expression that cannot be assigned to.
const char* describeForAssignment(const ast::Expr& e) {
  switch (e.kind) {
    case ast::NodeKind::Constant: {
      auto& c = ast::cast<ast::Constant>(e);
      switch (c.valueKind) {
        case ast::ConstantKind::None: return "None";
        case ast::ConstantKind::Bool: return c.boolValue ? "True" : "False";
        case ast::ConstantKind::Ellipsis: return "ellipsis";
        default: return "literal";
      }
    }
    case ast::NodeKind::Call: return "function call";
    case ast::NodeKind::Compare: return "comparison";
    case ast::NodeKind::IfExp: return "conditional expression";
    case ast::NodeKind::Lambda: return "lambda";
    case ast::NodeKind::FString: return "f-string expression";
    case ast::NodeKind::Dict: return "dict literal";
    case ast::NodeKind::Tuple: return "tuple";
    case ast::NodeKind::List: return "list";
    case ast::NodeKind::Starred: return "starred";
    default: return "expression";
  }
}

bool isAssignable(const ast::Expr& e) {
  return e.kind == ast::NodeKind::Name || e.kind == ast::NodeKind::Attribute ||
         e.kind == ast::NodeKind::Subscript;
}

}  // namespace

AstBuilder::AstBuilder(const SourceText& text, antlr4::TokenStream& tokens, DiagnosticBuffer& diags)
    : text_(text), tokens_(tokens), diags_(diags), file_(text.file()) {}

void AstBuilder::setOuterContext(std::function<bool(const Token*)> atModuleLevel) {
  atModuleLevel_ = std::move(atModuleLevel);
}

void AstBuilder::enterTopLevelStmt(Ctx* ctx) {
  bool unknown = atModuleLevel_ && !atModuleLevel_(ctx->getStart());
  functionDepth_ = unknown ? 1 : 0;
  loopDepth_ = unknown ? 1 : 0;
}

void AstBuilder::buildTopLevelStmt(HelParser::StmtContext* ctx, ast::StmtList& out) {
  enterTopLevelStmt(ctx);
  buildStmt(ctx, out);
}

// ---- ranges ---------------------------------------------------------------------

SourceRange AstBuilder::range(Ctx* ctx) const {
  Token* start = ctx->getStart();
  Token* stop = ctx->getStop();
  size_t a = start->getTokenIndex();
  if (!stop || stop->getTokenIndex() < a) {
    SourceRange r = text_.range(start);
    return {&file_, r.begin, r.begin};
  }
  size_t b = stop->getTokenIndex();
  while (a < b && isLayout(tokens_.get(a)->getType())) ++a;
  while (b > a && isLayout(tokens_.get(b)->getType())) --b;
  SourceRange first = text_.range(tokens_.get(a));
  SourceRange last = text_.range(tokens_.get(b));
  return {&file_, first.begin, std::max(first.end, last.end)};
}

std::string AstBuilder::spelling(Token* token) const { return std::string(text_.range(token).text()); }

SourceRange AstBuilder::range(ParseTree* tree) const {
  if (Token* token = tokenOf(tree)) return text_.range(token);
  return range(static_cast<Ctx*>(tree));
}

// ---- statements ------------------------------------------------------------------

ast::StmtList AstBuilder::buildFile(HelParser::File_inputContext* file) {
  ast::StmtList out;
  for (ParseTree* child : file->children)
    if (auto* stmt = dynamic_cast<HelParser::StmtContext*>(child)) buildTopLevelStmt(stmt, out);
  return out;
}

void AstBuilder::buildStmt(HelParser::StmtContext* ctx, ast::StmtList& out) {
  ParseTree* child = ctx->children[0];
  if (auto* simple = dynamic_cast<HelParser::Simple_stmtsContext*>(child))
    buildSimpleStmts(simple, out);
  else
    buildCompound(static_cast<HelParser::Compound_stmtContext*>(child), out);
}

void AstBuilder::buildSimpleStmts(HelParser::Simple_stmtsContext* ctx, ast::StmtList& out) {
  for (ParseTree* child : ctx->children)
    if (auto* simple = dynamic_cast<HelParser::Simple_stmtContext*>(child))
      if (StmtPtr stmt = buildSimpleStmt(simple)) out.push_back(std::move(stmt));
}

StmtPtr AstBuilder::buildSimpleStmt(HelParser::Simple_stmtContext* ctx) {
  auto* inner = static_cast<Ctx*>(ctx->children[0]);
  auto& ch = inner->children;
  SourceRange r = range(inner);
  switch (inner->getRuleIndex()) {
    case HelParser::RuleExpr_stmt:
      return buildExprStmt(static_cast<HelParser::Expr_stmtContext*>(inner));
    case HelParser::RuleReturn_stmt: {
      ExprPtr value;
      if (ch.size() > 1) {
        value = buildList(static_cast<Ctx*>(ch[1]));
        checkNotStarred(value.get());
      }
      if (functionDepth_ == 0) diags_.report(diag::ReturnOutsideFunction, r);
      return make_unique<ast::Return>(r, std::move(value));
    }
    case HelParser::RulePass_stmt:
      return make_unique<ast::Pass>(r);
    case HelParser::RuleBreak_stmt:
      if (loopDepth_ == 0) diags_.report(diag::BreakOutsideLoop, r, "break");
      return make_unique<ast::Break>(r);
    case HelParser::RuleContinue_stmt:
      if (loopDepth_ == 0) diags_.report(diag::BreakOutsideLoop, r, "continue");
      return make_unique<ast::Continue>(r);
    case HelParser::RuleAssert_stmt: {
      ExprPtr test = buildTest(static_cast<HelParser::TestContext*>(ch[1]));
      ExprPtr msg = ch.size() > 3 ? buildTest(static_cast<HelParser::TestContext*>(ch[3])) : nullptr;
      return make_unique<ast::Assert>(r, std::move(test), std::move(msg));
    }
    case HelParser::RuleImport_name:
      return buildImportName(static_cast<HelParser::Import_nameContext*>(inner));
    case HelParser::RuleImport_from:
      return buildImportFrom(static_cast<HelParser::Import_fromContext*>(inner));
  }
  return nullptr;
}

StmtPtr AstBuilder::buildExprStmt(HelParser::Expr_stmtContext* ctx) {
  auto& ch = ctx->children;
  auto* first = static_cast<Ctx*>(ch[0]);
  SourceRange r = range(ctx);
  if (ch.size() == 1) {
    ExprPtr value = buildList(first);
    checkNotStarred(value.get());
    return make_unique<ast::ExprStmt>(r, std::move(value));
  }
  if (auto* ann = dynamic_cast<HelParser::AnnassignContext*>(ch[1])) {
    ExprPtr target = buildList(first);
    checkAnnTarget(*target);
    bool simple = target->kind == ast::NodeKind::Name && first->getStart()->getType() != HelParser::LPAR;
    auto node = make_unique<ast::AnnAssign>(r, std::move(target),
                                            buildTest(static_cast<HelParser::TestContext*>(ann->children[1])));
    node->simple = simple;
    if (ann->children.size() > 3) {
      node->value = buildList(static_cast<Ctx*>(ann->children[3]));
      checkNotStarred(node->value.get());
    }
    return node;
  }
  if (auto* aug = dynamic_cast<HelParser::AugassignContext*>(ch[1])) {
    ExprPtr target = buildList(first);
    checkAugTarget(*target);
    ast::BinOpKind op = binOp(typeOf(aug->children[0]));
    ExprPtr value = buildList(static_cast<Ctx*>(ch[2]));
    return make_unique<ast::AugAssign>(r, std::move(target), op, std::move(value));
  }
  // target = target = ... = value
  auto node = make_unique<ast::Assign>(r);
  for (size_t i = 0; i < ch.size(); i += 2) {
    ExprPtr part = buildList(static_cast<Ctx*>(ch[i]));
    if (i + 1 < ch.size()) {
      checkTarget(*part);
      node->targets.push_back(std::move(part));
    } else {
      checkNotStarred(part.get());
      node->value = std::move(part);
    }
  }
  return node;
}

namespace {

std::string dottedName(antlr4::ParserRuleContext* dotted, const SourceText& text) {
  std::string name;
  for (ParseTree* child : dotted->children) name += text.range(tokenOf(child)).text();
  return name;
}

}  // namespace

StmtPtr AstBuilder::buildImportName(HelParser::Import_nameContext* ctx) {
  auto node = make_unique<ast::Import>(range(ctx));
  for (ParseTree* child : ctx->children) {
    auto* item = dynamic_cast<HelParser::Dotted_as_nameContext*>(child);
    if (!item) continue;
    ast::Alias alias;
    alias.name = dottedName(static_cast<Ctx*>(item->children[0]), text_);
    if (item->children.size() > 2) alias.asname = spelling(tokenOf(item->children[2]));
    alias.range = range(item);
    node->names.push_back(std::move(alias));
  }
  return node;
}

StmtPtr AstBuilder::buildImportFrom(HelParser::Import_fromContext* ctx) {
  auto* module = static_cast<Ctx*>(ctx->children[1]);
  auto node = make_unique<ast::ImportFrom>(range(ctx), dottedName(module, text_), range(module));
  for (size_t i = 3; i < ctx->children.size(); ++i) {
    ParseTree* child = ctx->children[i];
    if (typeOf(child) == HelParser::STAR) {
      node->names.push_back({"*", "", range(child)});
      continue;
    }
    auto* names = dynamic_cast<HelParser::Import_as_namesContext*>(child);
    if (!names) continue;
    for (ParseTree* n : names->children) {
      auto* item = dynamic_cast<HelParser::Import_as_nameContext*>(n);
      if (!item) continue;
      ast::Alias alias;
      alias.name = spelling(tokenOf(item->children[0]));
      if (item->children.size() > 2) alias.asname = spelling(tokenOf(item->children[2]));
      alias.range = range(item);
      node->names.push_back(std::move(alias));
    }
  }
  return node;
}

void AstBuilder::buildCompound(HelParser::Compound_stmtContext* ctx, ast::StmtList& out) {
  auto* inner = static_cast<Ctx*>(ctx->children[0]);
  switch (inner->getRuleIndex()) {
    case HelParser::RuleIf_stmt:
      out.push_back(buildIf(static_cast<HelParser::If_stmtContext*>(inner)));
      return;
    case HelParser::RuleWhile_stmt:
      out.push_back(buildWhile(static_cast<HelParser::While_stmtContext*>(inner)));
      return;
    case HelParser::RuleFor_stmt:
      out.push_back(buildFor(static_cast<HelParser::For_stmtContext*>(inner)));
      return;
    case HelParser::RuleFuncdef:
      out.push_back(buildFuncdef(static_cast<HelParser::FuncdefContext*>(inner), {}));
      return;
    case HelParser::RuleDecorated: {
      ast::ExprList decorators;
      HelParser::FuncdefContext* def = nullptr;
      for (ParseTree* child : inner->children) {
        if (auto* d = dynamic_cast<HelParser::DecoratorContext*>(child))
          decorators.push_back(buildTest(static_cast<HelParser::TestContext*>(d->children[1])));
        else
          def = dynamic_cast<HelParser::FuncdefContext*>(child);
      }
      out.push_back(buildFuncdef(def, std::move(decorators)));
      return;
    }
  }
}

StmtPtr AstBuilder::buildIf(HelParser::If_stmtContext* ctx) {
  auto& ch = ctx->children;
  SourceRange whole = range(ctx);
  auto node = make_unique<ast::If>(whole, buildTest(static_cast<HelParser::TestContext*>(ch[1])));
  node->body = buildBlock(static_cast<HelParser::BlockContext*>(ch[3]), ctx);
  ast::If* tail = node.get();
  for (size_t i = 4; i < ch.size(); ++i) {
    if (auto* elif = dynamic_cast<HelParser::Elif_clauseContext*>(ch[i])) {
      SourceRange r{&file_, range(elif).begin, whole.end};
      auto next = make_unique<ast::If>(r, buildTest(static_cast<HelParser::TestContext*>(elif->children[1])));
      next->isElif = true;
      next->body = buildBlock(static_cast<HelParser::BlockContext*>(elif->children[3]), elif);
      ast::If* nextTail = next.get();
      tail->orelse.push_back(std::move(next));
      tail = nextTail;
    } else if (auto* otherwise = dynamic_cast<HelParser::Else_clauseContext*>(ch[i])) {
      tail->orelse = buildBlock(static_cast<HelParser::BlockContext*>(otherwise->children[2]), otherwise);
    }
  }
  return node;
}

StmtPtr AstBuilder::buildWhile(HelParser::While_stmtContext* ctx) {
  auto& ch = ctx->children;
  auto node = make_unique<ast::While>(range(ctx), buildTest(static_cast<HelParser::TestContext*>(ch[1])));
  node->body = buildLoopBody(static_cast<HelParser::BlockContext*>(ch[3]), ctx);
  if (ch.size() > 4) {
    auto* otherwise = static_cast<HelParser::Else_clauseContext*>(ch[4]);
    node->orelse = buildBlock(static_cast<HelParser::BlockContext*>(otherwise->children[2]), otherwise);
  }
  return node;
}

StmtPtr AstBuilder::buildFor(HelParser::For_stmtContext* ctx) {
  auto& ch = ctx->children;
  ExprPtr target = buildList(static_cast<Ctx*>(ch[1]));
  checkTarget(*target);
  ExprPtr iter = buildList(static_cast<Ctx*>(ch[3]));
  auto node = make_unique<ast::For>(range(ctx), std::move(target), std::move(iter));
  node->body = buildLoopBody(static_cast<HelParser::BlockContext*>(ch[5]), ctx);
  if (ch.size() > 6) {
    auto* otherwise = static_cast<HelParser::Else_clauseContext*>(ch[6]);
    node->orelse = buildBlock(static_cast<HelParser::BlockContext*>(otherwise->children[2]), otherwise);
  }
  return node;
}

StmtPtr AstBuilder::buildFuncdef(HelParser::FuncdefContext* ctx, ast::ExprList decorators) {
  auto& ch = ctx->children;
  Token* name = tokenOf(ch[1]);
  auto node = make_unique<ast::FunctionDef>(range(ctx), spelling(name), range(name));
  node->decorators = std::move(decorators);
  size_t i = 3;
  if (auto* params = dynamic_cast<HelParser::ParametersContext*>(ch[i])) {
    node->params = buildParams(params);
    ++i;
  }
  ++i;  // ')'
  if (typeOf(ch[i]) == HelParser::RARROW) {
    node->returns = buildTest(static_cast<HelParser::TestContext*>(ch[i + 1]));
    i += 2;
  }
  ++i;  // ':'
  node->body = buildFunctionBody(static_cast<HelParser::BlockContext*>(ch[i]), ctx);
  return node;
}

ast::StmtList AstBuilder::buildBlock(HelParser::BlockContext* ctx, Ctx* owner) {
  ast::StmtList out;
  if (auto* simple = dynamic_cast<HelParser::Simple_stmtsContext*>(ctx->children[0])) {
    buildSimpleStmts(simple, out);
    return out;
  }
  for (ParseTree* child : ctx->children)
    if (auto* stmt = dynamic_cast<HelParser::StmtContext*>(child)) buildStmt(stmt, out);
  if (out.empty()) {
    // Only comments in the block: the tokenizer put INDENT DEDENT at the first.
    SourceRange at = range(ctx->children[1]);
    uint32_t line = at.line();
    uint32_t lineEnd = file_.lineStart(line) + static_cast<uint32_t>(file_.lineText(line).size());
    diags_.report(diag::CommentOnlyBlock, SourceRange{&file_, at.begin, std::max(at.begin, lineEnd)},
                  describeBlockOwner(owner, text_));
  }
  return out;
}

ast::StmtList AstBuilder::buildLoopBody(HelParser::BlockContext* ctx, Ctx* owner) {
  ++loopDepth_;
  ast::StmtList body = buildBlock(ctx, owner);
  --loopDepth_;
  return body;
}

ast::StmtList AstBuilder::buildFunctionBody(HelParser::BlockContext* ctx, Ctx* owner) {
  int savedLoops = loopDepth_;
  ++functionDepth_;
  loopDepth_ = 0;
  ast::StmtList body = buildBlock(ctx, owner);
  --functionDepth_;
  loopDepth_ = savedLoops;
  return body;
}

// The parameters of a `def` (parameters) or a `lambda` (lambda_params).
std::vector<ast::Param> AstBuilder::buildParams(Ctx* list) {
  std::vector<ast::Param> params;
  bool sawStar = false, sawDefault = false, sawVarKeyword = false, reportedAfterVarKeyword = false;
  bool bareStarPending = false;
  SourceRange bareStar;
  for (ParseTree* child : list->children) {
    auto* item = dynamic_cast<Ctx*>(child);
    if (!item) continue;  // a comma
    auto& ch = item->children;
    ast::Param p;
    p.range = range(item);
    if (sawVarKeyword && !reportedAfterVarKeyword) {
      diags_.report(diag::ParamAfterVarKeyword, p.range);
      reportedAfterVarKeyword = true;
    }
    size_t first = typeOf(ch[0]);
    Token* name = nullptr;
    if (first == HelParser::STAR) {
      if (sawStar) diags_.report(diag::DuplicateStar, p.range);
      sawStar = true;
      if (ch.size() == 1) {  // a bare `*`: the parameters after it are keyword-only
        bareStarPending = true;
        bareStar = p.range;
        continue;
      }
      p.kind = ast::Param::Kind::VarPositional;
      name = tokenOf(ch[1]);
      if (ch.size() > 3) p.annotation = buildTest(static_cast<HelParser::TestContext*>(ch[3]));
    } else if (first == HelParser::DOUBLESTAR) {
      if (bareStarPending) diags_.report(diag::BareStarWithoutNamed, bareStar);
      bareStarPending = false;
      p.kind = ast::Param::Kind::VarKeyword;
      name = tokenOf(ch[1]);
      if (ch.size() > 3) p.annotation = buildTest(static_cast<HelParser::TestContext*>(ch[3]));
      sawVarKeyword = true;
    } else {
      bareStarPending = false;
      p.kind = sawStar ? ast::Param::Kind::KeywordOnly : ast::Param::Kind::Positional;
      name = tokenOf(ch[0]);
      for (size_t i = 1; i + 1 < ch.size(); i += 2) {
        auto* value = static_cast<HelParser::TestContext*>(ch[i + 1]);
        if (typeOf(ch[i]) == HelParser::COLON)
          p.annotation = buildTest(value);
        else
          p.defaultValue = buildTest(value);
      }
      if (p.kind == ast::Param::Kind::Positional) {
        if (p.defaultValue)
          sawDefault = true;
        else if (sawDefault)
          diags_.report(diag::NonDefaultAfterDefault, p.range);
      }
    }
    p.name = spelling(name);
    p.nameRange = range(name);
    for (const ast::Param& other : params)
      if (other.name == p.name) {
        diags_.report(diag::DuplicateParameter, p.nameRange, p.name);
        break;
      }
    params.push_back(std::move(p));
  }
  if (bareStarPending) diags_.report(diag::BareStarWithoutNamed, bareStar);
  return params;
}

// ---- a parse that stopped at an error ----------------------------------------------

void AstBuilder::checkPartial(Ctx* root, const std::unordered_set<const antlr4::ParserRuleContext*>& path) {
  path_ = &path;
  partial(root);
  path_ = nullptr;
}

// `ctx` encloses the error: build (and drop) what was complete inside it, so
// that the errors only the builder finds are reported there too.
void AstBuilder::partial(Ctx* ctx) {
  auto complete = [&](ParseTree* child) { return !path_->count(static_cast<Ctx*>(child)); };
  size_t rule = ctx->getRuleIndex();
  switch (rule) {
    case HelParser::RuleFile_input:
    case HelParser::RuleBlock:
    case HelParser::RuleSimple_stmts:
      for (ParseTree* child : ctx->children) {
        if (auto* stmt = dynamic_cast<HelParser::StmtContext*>(child)) {
          if (rule == HelParser::RuleFile_input) enterTopLevelStmt(stmt);
          if (complete(stmt)) {
            ast::StmtList dropped;
            buildStmt(stmt, dropped);
          } else {
            partial(stmt);
          }
        } else if (auto* simple = dynamic_cast<HelParser::Simple_stmtContext*>(child)) {
          if (complete(simple)) buildSimpleStmt(simple);
        } else if (auto* simples = dynamic_cast<HelParser::Simple_stmtsContext*>(child)) {
          if (!complete(simples)) partial(simples);
        }
      }
      return;
    case HelParser::RuleStmt:
    case HelParser::RuleCompound_stmt:
    case HelParser::RuleDecorated:
      for (ParseTree* child : ctx->children)
        if (auto* inner = dynamic_cast<Ctx*>(child); inner && !complete(inner)) partial(inner);
      return;
    case HelParser::RuleIf_stmt:
    case HelParser::RuleElif_clause:
    case HelParser::RuleElse_clause:
    case HelParser::RuleWhile_stmt:
    case HelParser::RuleFor_stmt:
    case HelParser::RuleFuncdef: {
      bool loop = rule == HelParser::RuleWhile_stmt || rule == HelParser::RuleFor_stmt;
      bool function = rule == HelParser::RuleFuncdef;
      for (ParseTree* child : ctx->children) {
        auto* inner = dynamic_cast<Ctx*>(child);
        if (!inner) continue;
        size_t innerRule = inner->getRuleIndex();
        if (innerRule == HelParser::RuleBlock) {
          int savedFunctions = functionDepth_, savedLoops = loopDepth_;
          if (function) {
            ++functionDepth_;
            loopDepth_ = 0;
          } else if (loop) {
            ++loopDepth_;
          }
          if (complete(inner))
            buildBlock(static_cast<HelParser::BlockContext*>(inner), ctx);
          else
            partial(inner);
          functionDepth_ = savedFunctions;
          loopDepth_ = savedLoops;
        } else if (innerRule == HelParser::RuleElif_clause || innerRule == HelParser::RuleElse_clause) {
          if (complete(inner)) {
            auto* block = dynamic_cast<HelParser::BlockContext*>(inner->children.back());
            if (block) buildBlock(block, inner);
          } else {
            partial(inner);
          }
        }
      }
      return;
    }
    default:
      return;  // inside an expression or a header: nothing complete to check
  }
}

// ---- expressions --------------------------------------------------------------------

ExprPtr AstBuilder::buildTest(HelParser::TestContext* ctx) {
  auto& ch = ctx->children;
  if (ch.size() == 1) {
    if (auto* lambda = dynamic_cast<HelParser::LambdefContext*>(ch[0])) return buildLambda(lambda);
    return buildOrTest(static_cast<HelParser::Or_testContext*>(ch[0]));
  }
  // body 'if' test 'else' orelse
  ExprPtr body = buildOrTest(static_cast<HelParser::Or_testContext*>(ch[0]));
  ExprPtr test = buildOrTest(static_cast<HelParser::Or_testContext*>(ch[2]));
  ExprPtr orelse = buildTest(static_cast<HelParser::TestContext*>(ch[4]));
  return make_unique<ast::IfExp>(range(ctx), std::move(test), std::move(body), std::move(orelse));
}

ExprPtr AstBuilder::buildLambda(HelParser::LambdefContext* ctx) {
  auto& ch = ctx->children;
  auto node = make_unique<ast::Lambda>(range(ctx));
  size_t colon = 1;
  if (auto* params = dynamic_cast<HelParser::Lambda_paramsContext*>(ch[1])) {
    node->params = buildParams(params);
    colon = 2;
  }
  node->body = buildTest(static_cast<HelParser::TestContext*>(ch[colon + 1]));
  return node;
}

ExprPtr AstBuilder::buildOrTest(HelParser::Or_testContext* ctx) {
  auto& ch = ctx->children;
  if (ch.size() == 1) return buildAndTest(static_cast<HelParser::And_testContext*>(ch[0]));
  auto node = make_unique<ast::BoolOp>(range(ctx), ast::BoolOpKind::Or);
  for (size_t i = 0; i < ch.size(); i += 2)
    node->values.push_back(buildAndTest(static_cast<HelParser::And_testContext*>(ch[i])));
  return node;
}

ExprPtr AstBuilder::buildAndTest(HelParser::And_testContext* ctx) {
  auto& ch = ctx->children;
  if (ch.size() == 1) return buildNotTest(static_cast<HelParser::Not_testContext*>(ch[0]));
  auto node = make_unique<ast::BoolOp>(range(ctx), ast::BoolOpKind::And);
  for (size_t i = 0; i < ch.size(); i += 2)
    node->values.push_back(buildNotTest(static_cast<HelParser::Not_testContext*>(ch[i])));
  return node;
}

ExprPtr AstBuilder::buildNotTest(HelParser::Not_testContext* ctx) {
  auto& ch = ctx->children;
  if (ch.size() == 1) return buildComparison(static_cast<HelParser::ComparisonContext*>(ch[0]));
  return make_unique<ast::UnaryOp>(range(ctx), ast::UnaryOpKind::Not,
                                   buildNotTest(static_cast<HelParser::Not_testContext*>(ch[1])));
}

ExprPtr AstBuilder::buildComparison(HelParser::ComparisonContext* ctx) {
  auto& ch = ctx->children;
  if (ch.size() == 1) return buildBitwiseOr(static_cast<HelParser::Bitwise_orContext*>(ch[0]));
  auto node = make_unique<ast::Compare>(range(ctx), buildBitwiseOr(static_cast<HelParser::Bitwise_orContext*>(ch[0])));
  for (size_t i = 1; i + 1 < ch.size(); i += 2) {
    auto* op = static_cast<Ctx*>(ch[i]);
    ast::CmpOpKind kind;
    switch (typeOf(op->children[0])) {
      case HelParser::LESS: kind = ast::CmpOpKind::Lt; break;
      case HelParser::GREATER: kind = ast::CmpOpKind::Gt; break;
      case HelParser::EQEQUAL: kind = ast::CmpOpKind::Eq; break;
      case HelParser::GREATEREQUAL: kind = ast::CmpOpKind::GtE; break;
      case HelParser::LESSEQUAL: kind = ast::CmpOpKind::LtE; break;
      case HelParser::NOTEQUAL: kind = ast::CmpOpKind::NotEq; break;
      case HelParser::IN: kind = ast::CmpOpKind::In; break;
      case HelParser::NOT: kind = ast::CmpOpKind::NotIn; break;
      default: kind = op->children.size() == 2 ? ast::CmpOpKind::IsNot : ast::CmpOpKind::Is; break;
    }
    node->ops.push_back(kind);
    node->comparators.push_back(buildBitwiseOr(static_cast<HelParser::Bitwise_orContext*>(ch[i + 1])));
  }
  return node;
}

ExprPtr AstBuilder::buildStarExpr(HelParser::Star_exprContext* ctx) {
  return make_unique<ast::Starred>(range(ctx), buildBitwiseOr(static_cast<HelParser::Bitwise_orContext*>(ctx->children[1])));
}

// The arithmetic and bitwise operators: `atom_expr`, `op operand` or
// `left op right` (the left-recursive rule nests to the left).
ExprPtr AstBuilder::buildBitwiseOr(HelParser::Bitwise_orContext* ctx) {
  auto& ch = ctx->children;
  if (ch.size() == 1) return buildAtomExpr(static_cast<HelParser::Atom_exprContext*>(ch[0]));
  if (ch.size() == 2) {
    size_t op = typeOf(ch[0]);
    ast::UnaryOpKind kind = op == HelParser::MINUS  ? ast::UnaryOpKind::Neg
                            : op == HelParser::PLUS ? ast::UnaryOpKind::Pos
                                                    : ast::UnaryOpKind::Invert;
    return make_unique<ast::UnaryOp>(range(ctx), kind, buildBitwiseOr(static_cast<HelParser::Bitwise_orContext*>(ch[1])));
  }
  ExprPtr left = buildBitwiseOr(static_cast<HelParser::Bitwise_orContext*>(ch[0]));
  ExprPtr right = buildBitwiseOr(static_cast<HelParser::Bitwise_orContext*>(ch[2]));
  return make_unique<ast::BinOp>(range(ctx), std::move(left), binOp(typeOf(ch[1])), std::move(right));
}

ExprPtr AstBuilder::buildAtomExpr(HelParser::Atom_exprContext* ctx) {
  auto& ch = ctx->children;
  ExprPtr e = buildAtom(static_cast<HelParser::AtomContext*>(ch[0]));
  if (ch.size() == 1) return e;
  uint32_t begin = range(ch[0]).begin;
  for (size_t i = 1; i < ch.size(); ++i) {
    auto* trailer = static_cast<Ctx*>(ch[i]);
    SourceRange r{&file_, begin, range(trailer).end};
    auto& tc = trailer->children;
    switch (typeOf(tc[0])) {
      case HelParser::LPAR: {
        auto call = make_unique<ast::Call>(r, std::move(e));
        if (tc.size() == 3) buildArguments(static_cast<HelParser::ArgumentsContext*>(tc[1]), *call);
        e = std::move(call);
        break;
      }
      case HelParser::LSQB:
        e = make_unique<ast::Subscript>(r, std::move(e),
                                        buildSubscripts(static_cast<HelParser::SubscriptsContext*>(tc[1])));
        break;
      default: {  // '.' NAME
        Token* name = tokenOf(tc[1]);
        e = make_unique<ast::Attribute>(r, std::move(e), spelling(name), range(name));
        break;
      }
    }
  }
  return e;
}

ExprPtr AstBuilder::buildAtom(HelParser::AtomContext* ctx) {
  auto& ch = ctx->children;
  Token* first = tokenOf(ch[0]);
  SourceRange r = range(ctx);
  switch (first->getType()) {
    case HelParser::LPAR: {
      if (ch.size() == 2) return make_unique<ast::Tuple>(r);  // ()
      bool comma = false;
      ExprPtr inner = buildList(static_cast<Ctx*>(ch[1]), &comma);
      if (!comma) {
        checkNotStarred(inner.get());
        return inner;  // a parenthesized expression
      }
      inner->range = r;  // a tuple's range includes its parentheses
      return inner;
    }
    case HelParser::LSQB: {
      auto list = make_unique<ast::List>(r);
      if (ch.size() == 3)
        for (ParseTree* child : static_cast<Ctx*>(ch[1])->children)
          if (!tokenOf(child)) list->elts.push_back(buildElement(child));
      return list;
    }
    case HelParser::LBRACE:
      return buildDict(ctx);
    case HelParser::NAME:
      return make_unique<ast::Name>(r, spelling(first));
    case HelParser::NUMBER: {
      std::string spelling(r.text());
      NumberLiteral number = parseNumber(spelling);
      auto node = make_unique<ast::Constant>(r, number.isFloat ? ast::ConstantKind::Float : ast::ConstantKind::Int,
                                             spelling);
      node->intValue = number.intValue;
      node->floatValue = number.isFloat ? number.floatValue : static_cast<double>(number.intValue);
      return node;
    }
    case HelParser::STRING:
      return buildStrings(ctx);
    case HelParser::ELLIPSIS:
      return make_unique<ast::Constant>(r, ast::ConstantKind::Ellipsis, "...");
    case HelParser::NONE:
      return make_unique<ast::Constant>(r, ast::ConstantKind::None, "None");
    default: {  // True, False
      bool value = first->getType() == HelParser::TRUE;
      auto node = make_unique<ast::Constant>(r, ast::ConstantKind::Bool, value ? "True" : "False");
      node->boolValue = value;
      return node;
    }
  }
}

ExprPtr AstBuilder::buildDict(HelParser::AtomContext* ctx) {
  auto node = make_unique<ast::Dict>(range(ctx));
  if (ctx->children.size() < 3) return node;
  for (ParseTree* child : static_cast<Ctx*>(ctx->children[1])->children) {
    auto* item = dynamic_cast<HelParser::Dict_itemContext*>(child);
    if (!item) continue;
    auto& ic = item->children;
    if (typeOf(ic[0]) == HelParser::DOUBLESTAR) {
      node->keys.push_back(nullptr);
      node->values.push_back(buildBitwiseOr(static_cast<HelParser::Bitwise_orContext*>(ic[1])));
    } else {
      node->keys.push_back(buildTest(static_cast<HelParser::TestContext*>(ic[0])));
      node->values.push_back(buildTest(static_cast<HelParser::TestContext*>(ic[2])));
    }
  }
  return node;
}

void AstBuilder::buildArguments(HelParser::ArgumentsContext* ctx, ast::Call& call) {
  bool sawKeyword = false, sawDoubleStar = false;
  for (ParseTree* child : ctx->children) {
    auto* arg = dynamic_cast<HelParser::ArgumentContext*>(child);
    if (!arg) continue;
    auto& ch = arg->children;
    SourceRange r = range(arg);
    size_t first = typeOf(ch[0]);
    if (first == HelParser::STAR) {
      if (sawDoubleStar) diags_.report(diag::UnpackingAfterKeywordUnpacking, r);
      call.args.push_back(make_unique<ast::Starred>(r, buildTest(static_cast<HelParser::TestContext*>(ch[1]))));
    } else if (first == HelParser::DOUBLESTAR) {
      ast::Keyword keyword;
      keyword.range = r;
      keyword.value = buildTest(static_cast<HelParser::TestContext*>(ch[1]));
      call.keywords.push_back(std::move(keyword));
      sawDoubleStar = true;
    } else if (ch.size() == 3) {  // name '=' value
      ast::Keyword keyword;
      keyword.range = r;
      ExprPtr key = buildTest(static_cast<HelParser::TestContext*>(ch[0]));
      if (auto* name = ast::dynCast<ast::Name>(key); name && static_cast<Ctx*>(ch[0])->getStart() ==
                                                             static_cast<Ctx*>(ch[0])->getStop()) {
        keyword.arg = name->id;
        keyword.argRange = name->range;
        for (const ast::Keyword& other : call.keywords)
          if (other.arg == keyword.arg) {
            diags_.report(diag::DuplicateKeywordArgument, keyword.argRange, keyword.arg);
            break;
          }
      } else {
        diags_.report(diag::KeywordNotName, r);
      }
      keyword.value = buildTest(static_cast<HelParser::TestContext*>(ch[2]));
      call.keywords.push_back(std::move(keyword));
      sawKeyword = true;
    } else {
      if (sawDoubleStar)
        diags_.report(diag::PositionalAfterKeywordUnpacking, r);
      else if (sawKeyword)
        diags_.report(diag::PositionalAfterKeyword, r);
      call.args.push_back(buildTest(static_cast<HelParser::TestContext*>(ch[0])));
    }
  }
}

ExprPtr AstBuilder::buildSubscripts(HelParser::SubscriptsContext* ctx) {
  std::vector<HelParser::SubscriptContext*> items;
  for (ParseTree* child : ctx->children)
    if (auto* item = dynamic_cast<HelParser::SubscriptContext*>(child)) items.push_back(item);
  if (items.size() == 1 && !hasComma(ctx)) return buildSubscript(items[0]);
  auto tuple = make_unique<ast::Tuple>(range(ctx));
  for (auto* item : items) tuple->elts.push_back(buildSubscript(item));
  return tuple;
}

ExprPtr AstBuilder::buildSubscript(HelParser::SubscriptContext* ctx) {
  auto& ch = ctx->children;
  bool colon = false;
  for (ParseTree* child : ch) colon = colon || typeOf(child) == HelParser::COLON;
  if (!colon) return buildTest(static_cast<HelParser::TestContext*>(ch[0]));
  auto slice = make_unique<ast::Slice>(range(ctx));
  bool afterColon = false;
  for (ParseTree* child : ch) {
    if (typeOf(child) == HelParser::COLON) {
      afterColon = true;
    } else if (auto* test = dynamic_cast<HelParser::TestContext*>(child)) {
      (afterColon ? slice->upper : slice->lower) = buildTest(test);
    } else if (auto* step = dynamic_cast<HelParser::SliceopContext*>(child)) {
      if (step->children.size() == 2) slice->step = buildTest(static_cast<HelParser::TestContext*>(step->children[1]));
    }
  }
  return slice;
}

ExprPtr AstBuilder::buildList(Ctx* ctx, bool* hadComma) {
  bool comma = hasComma(ctx);
  if (hadComma) *hadComma = comma;
  if (!comma) {
    for (ParseTree* child : ctx->children)
      if (!tokenOf(child)) return buildElement(child);
  }
  auto tuple = make_unique<ast::Tuple>(range(ctx));
  for (ParseTree* child : ctx->children)
    if (!tokenOf(child)) tuple->elts.push_back(buildElement(child));
  return tuple;
}

ExprPtr AstBuilder::buildElement(ParseTree* tree) {
  auto* ctx = static_cast<Ctx*>(tree);
  switch (ctx->getRuleIndex()) {
    case HelParser::RuleTest: return buildTest(static_cast<HelParser::TestContext*>(ctx));
    case HelParser::RuleStar_expr: return buildStarExpr(static_cast<HelParser::Star_exprContext*>(ctx));
    default: return buildBitwiseOr(static_cast<HelParser::Bitwise_orContext*>(ctx));
  }
}

ExprPtr AstBuilder::buildFStringExpr(HelParser::Fstring_exprContext* ctx) {
  return buildList(static_cast<Ctx*>(ctx->children[0]));
}

// ---- strings -------------------------------------------------------------------------

void AstBuilder::reportEscapeProblems(const std::vector<EscapeProblem>& problems, uint32_t base) {
  for (const EscapeProblem& p : problems) {
    SourceRange r{&file_, base + p.offset, base + p.offset + p.length};
    std::string spelling(r.text());
    switch (p.kind) {
      case EscapeProblem::Kind::Invalid: diags_.report(diag::InvalidEscape, r, spelling); break;
      case EscapeProblem::Kind::Truncated: diags_.report(diag::TruncatedEscape, r, spelling.substr(0, 2)); break;
      case EscapeProblem::Kind::BadCodePoint: diags_.report(diag::InvalidCodePoint, r, spelling); break;
      case EscapeProblem::Kind::NamedEscape:
        diags_.report(diag::UnsupportedSyntax, r, "'\\N{...}' escapes");
        break;
    }
  }
}

std::string AstBuilder::decodeString(Token* token) {
  SourceRange r = range(token);
  StringParts parts = splitString(r.text());
  if (parts.raw) return std::string(parts.body);
  std::string out;
  std::vector<EscapeProblem> problems;
  decodeEscapes(parts.body, out, &problems);
  reportEscapeProblems(problems, r.begin + parts.bodyOffset);
  return out;
}

ExprPtr AstBuilder::buildStrings(HelParser::AtomContext* ctx) {
  SourceRange r = range(ctx);
  bool anyF = false;
  for (ParseTree* child : ctx->children) anyF = anyF || splitString(range(child).text()).fstring;
  if (!anyF) {
    auto node = make_unique<ast::Constant>(r, ast::ConstantKind::Str, std::string(r.text()));
    for (ParseTree* child : ctx->children) node->strValue += decodeString(tokenOf(child));
    return node;
  }
  auto node = make_unique<ast::FString>(r);
  for (ParseTree* child : ctx->children) {
    Token* token = tokenOf(child);
    if (splitString(range(token).text()).fstring)
      buildFString(token, *node);
    else
      appendLiteral(*node, decodeString(token), range(token));
  }
  return node;
}

void AstBuilder::appendLiteral(ast::FString& out, std::string text, SourceRange r) {
  if (text.empty()) return;
  if (!out.parts.empty() && !out.parts.back().isField()) {
    out.parts.back().literal += text;
    out.parts.back().range = out.parts.back().range.to(r);
    return;
  }
  ast::FString::Part part;
  part.literal = std::move(text);
  part.range = r;
  out.parts.push_back(std::move(part));
}

void AstBuilder::buildFString(Token* token, ast::FString& out) {
  SourceRange r = range(token);
  StringParts parts = splitString(r.text());
  uint32_t begin = r.begin + parts.bodyOffset;
  fstringBody(begin, begin + static_cast<uint32_t>(parts.body.size()), parts.raw, out, 0);
}

// Literal text and fields of an f-string body (or of a format spec), file bytes
// [begin, end).
void AstBuilder::fstringBody(uint32_t begin, uint32_t end, bool raw, ast::FString& out, int nesting) {
  std::string_view body = std::string_view(file_.text()).substr(begin, end - begin);
  size_t literalStart = 0;
  auto flush = [&](size_t upTo) {
    if (upTo <= literalStart) return;
    std::string_view piece = body.substr(literalStart, upTo - literalStart);
    std::string text;
    if (raw) {
      text = std::string(piece);
    } else {
      std::vector<EscapeProblem> problems;
      decodeEscapes(piece, text, &problems);
      reportEscapeProblems(problems, begin + static_cast<uint32_t>(literalStart));
    }
    appendLiteral(out, std::move(text),
                  SourceRange{&file_, begin + static_cast<uint32_t>(literalStart), begin + static_cast<uint32_t>(upTo)});
  };
  size_t i = 0;
  while (i < body.size()) {
    char c = body[i];
    if (c == '\\' && !raw && i + 1 < body.size()) {
      if (body[i + 1] == 'N' && i + 2 < body.size() && body[i + 2] == '{') {  // \N{...} is not a field
        size_t close = body.find('}', i);
        i = close == std::string_view::npos ? body.size() : close + 1;
      } else if (body[i + 1] == '{' || body[i + 1] == '}') {
        ++i;  // the backslash stays; the brace is read next
      } else {
        i += 2;
      }
      continue;
    }
    if (c != '{' && c != '}') {
      ++i;
      continue;
    }
    if (i + 1 < body.size() && body[i + 1] == c) {  // `{{` or `}}`
      flush(i + 1);
      i += 2;
      literalStart = i;
      continue;
    }
    flush(i);
    if (c == '}') {
      diags_.report(diag::InvalidFString, SourceRange{&file_, begin + static_cast<uint32_t>(i), begin + static_cast<uint32_t>(i) + 1},
                    "single '}' is not allowed");
      ++i;
    } else {
      i = fstringField(begin, body, i, raw, out, nesting);
    }
    literalStart = i;
  }
  flush(body.size());
}

// The field that opens at body[open] == '{'; returns the index after its '}'.
size_t AstBuilder::fstringField(uint32_t bodyBegin, std::string_view body, size_t open, bool raw, ast::FString& out,
                                int nesting) {
  const size_t n = body.size();
  auto at = [&](size_t from, size_t to) {
    return SourceRange{&file_, bodyBegin + static_cast<uint32_t>(from), bodyBegin + static_cast<uint32_t>(to)};
  };
  // On an error, skip to the '}' that most likely closes the field.
  auto skip = [&](size_t from) {
    size_t close = body.find('}', from);
    return close == std::string_view::npos ? n : close + 1;
  };
  if (nesting > 1) {
    diags_.report(diag::InvalidFString, at(open, open + 1), "expressions nested too deeply");
    return skip(open);
  }

  // The expression runs to a top-level '}', '!', ':' or '='.
  size_t i = open + 1;
  int depth = 0;
  size_t exprEnd = std::string_view::npos;
  while (i < n) {
    char c = body[i];
    if (c == '\'' || c == '"') {
      size_t quotes = (i + 2 < n && body[i + 1] == c && body[i + 2] == c) ? 3 : 1;
      size_t j = i + quotes;
      while (j < n && body.compare(j, quotes, std::string(quotes, c)) != 0) j += body[j] == '\\' ? 2 : 1;
      if (j >= n) {
        diags_.report(diag::InvalidFString, at(i, n), "unterminated string");
        return n;
      }
      i = j + quotes;
      continue;
    }
    if (c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if (c == ')' || c == ']' || c == '}') {
      if (depth == 0) {
        if (c == '}') {
          exprEnd = i;
          break;
        }
        diags_.report(diag::InvalidFString, at(i, i + 1), fmt::format("unmatched '{}'", c));
        return skip(i);
      }
      --depth;
    } else if (c == '#') {
      diags_.report(diag::InvalidFString, at(i, i + 1), "expression part cannot include '#'");
      return skip(i);
    } else if (depth == 0) {
      bool next = i + 1 < n && body[i + 1] == '=';
      if ((c == '!' && !next) || c == ':') {
        exprEnd = i;
        break;
      }
      if (c == '=' && !next && std::string_view("=!<>").find(body[i - 1]) == std::string_view::npos) {
        exprEnd = i;
        break;
      }
      if (c == '=' && next) ++i;  // `==`
    }
    ++i;
  }
  if (exprEnd == std::string_view::npos) {
    diags_.report(diag::InvalidFString, at(open, open + 1), "expecting '}'");
    return n;
  }
  if (body.substr(open + 1, exprEnd - open - 1).find_first_not_of(" \t\r\n\f") == std::string_view::npos) {
    diags_.report(diag::InvalidFString, at(exprEnd, exprEnd + 1),
                  fmt::format("valid expression required before '{}'", body[exprEnd]));
    return skip(exprEnd);
  }

  ast::FString::Part part;
  size_t j = exprEnd;
  bool debug = body[j] == '=';
  if (debug) {
    ++j;
    while (j < n && (body[j] == ' ' || body[j] == '\t')) ++j;
    // `{x = }` shows "x = " before the value.
    appendLiteral(out, std::string(body.substr(open + 1, j - open - 1)), at(open + 1, j));
  }
  if (j < n && body[j] == '!') {
    if (j + 1 < n && (body[j + 1] == 'r' || body[j + 1] == 's' || body[j + 1] == 'a')) {
      part.conversion = body[j + 1];
      j += 2;
    } else {
      diags_.report(diag::InvalidFString, at(j, std::min(n, j + 2)),
                    "invalid conversion character: expected 's', 'r', or 'a'");
      return skip(j);
    }
  }
  if (j < n && body[j] == ':') {
    size_t specStart = j + 1, k = specStart;
    int braces = 0;
    while (k < n && !(body[k] == '}' && braces == 0)) {
      if (body[k] == '{') ++braces;
      if (body[k] == '}') --braces;
      ++k;
    }
    if (k >= n) {
      diags_.report(diag::InvalidFString, at(open, open + 1), "expecting '}'");
      return n;
    }
    auto spec = make_unique<ast::FString>(at(specStart, k));
    fstringBody(bodyBegin + static_cast<uint32_t>(specStart), bodyBegin + static_cast<uint32_t>(k), raw, *spec,
                nesting + 1);
    part.formatSpec = std::move(spec);
    j = k;
  }
  if (j >= n || body[j] != '}') {
    diags_.report(diag::InvalidFString, at(std::min(j, n - 1), std::min(j, n - 1) + 1), "expecting '}'");
    return skip(j);
  }
  if (debug && !part.conversion && !part.formatSpec) part.conversion = 'r';
  part.value = parseFStringField(file_, bodyBegin + static_cast<uint32_t>(open + 1),
                                 bodyBegin + static_cast<uint32_t>(exprEnd), diags_);
  part.range = at(open, j + 1);
  if (part.value) out.parts.push_back(std::move(part));
  return j + 1;
}

// ---- checks ------------------------------------------------------------------------------

void AstBuilder::checkTarget(const ast::Expr& target) {
  switch (target.kind) {
    case ast::NodeKind::Name:
    case ast::NodeKind::Attribute:
    case ast::NodeKind::Subscript:
      return;
    case ast::NodeKind::Tuple:
    case ast::NodeKind::List: {
      const ast::ExprList& elts = target.kind == ast::NodeKind::Tuple ? ast::cast<ast::Tuple>(target).elts
                                                                        : ast::cast<ast::List>(target).elts;
      int starred = 0;
      for (const ExprPtr& elt : elts) {
        if (auto* star = ast::dynCast<ast::Starred>(elt)) {
          if (++starred == 2) diags_.report(diag::MultipleStarred, star->range);
          checkTarget(*star->value);
        } else {
          checkTarget(*elt);
        }
      }
      return;
    }
    case ast::NodeKind::Starred:
      diags_.report(diag::StarredAloneTarget, target.range);
      return;
    default:
      diags_.report(diag::InvalidAssignTarget, target.range, describeForAssignment(target));
      return;
  }
}

void AstBuilder::checkAugTarget(const ast::Expr& target) {
  if (!isAssignable(target)) diags_.report(diag::InvalidAugAssignTarget, target.range, describeForAssignment(target));
}

void AstBuilder::checkAnnTarget(const ast::Expr& target) {
  if (isAssignable(target)) return;
  if (target.kind == ast::NodeKind::Tuple)
    diags_.report(diag::AnnotatedTuple, target.range);
  else
    diags_.report(diag::InvalidAnnotationTarget, target.range);
}

void AstBuilder::checkNotStarred(const ast::Expr* value) {
  if (ast::isa<ast::Starred>(value)) diags_.report(diag::StarredNotAllowed, value->range);
}

}  // namespace hel::parser
