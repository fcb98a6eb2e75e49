// Internal to parser/: ANTLR's parse tree -> the AST of parser/Ast.h. This is
// where the parse tree ends: nothing after parser/ sees it.
//
// Besides building nodes, the builder checks what the grammar accepts loosely
// on purpose, with Python's messages: assignment targets ("cannot assign to
// function call"), the order of call arguments and of parameters, `return`
// and `break` outside a function or loop, escapes in strings and the contents
// of f-strings (each field's expression is parsed on its own, see FrontEnd.h).
#pragma once

#include <functional>
#include <unordered_set>

#include "HelParser.h"
#include "antlr4-runtime.h"
#include "parser/Ast.h"
#include "parser/DiagnosticBuffer.h"
#include "parser/Literals.h"
#include "parser/Tokenizer.h"

namespace hel::parser {

using grammar::HelParser;

class AstBuilder {
 public:
  AstBuilder(const SourceText& text, antlr4::TokenStream& tokens, DiagnosticBuffer& diags);

  // For a parse that restarted inside a function or loop after a syntax error:
  // its top-level statements for which `atModuleLevel` is false may be inside
  // a function and a loop, so `return` and `break` are not checked there.
  void setOuterContext(std::function<bool(const antlr4::Token*)> atModuleLevel);

  // The statements of a whole file (or of the part parsed).
  ast::StmtList buildFile(HelParser::File_inputContext* file);

  // For a parse that stopped at a syntax error: checks the statements that were
  // parsed completely before it, for the errors only the builder finds. `path`
  // holds the rule contexts that enclose the error.
  void checkPartial(antlr4::ParserRuleContext* root,
                    const std::unordered_set<const antlr4::ParserRuleContext*>& path);

  // The expression of an f-string field.
  ast::ExprPtr buildFStringExpr(HelParser::Fstring_exprContext* field);

 private:
  using Ctx = antlr4::ParserRuleContext;

  // ---- ranges ----
  SourceRange range(Ctx* ctx) const;
  SourceRange range(antlr4::tree::ParseTree* tree) const;
  SourceRange range(antlr4::Token* token) const { return text_.range(token); }
  // A token's text, from the file (cheaper than ANTLR's getText()).
  std::string spelling(antlr4::Token* token) const;

  // ---- statements ----
  void buildStmt(HelParser::StmtContext* ctx, ast::StmtList& out);
  void buildTopLevelStmt(HelParser::StmtContext* ctx, ast::StmtList& out);
  void enterTopLevelStmt(Ctx* ctx);
  void buildSimpleStmts(HelParser::Simple_stmtsContext* ctx, ast::StmtList& out);
  ast::StmtPtr buildSimpleStmt(HelParser::Simple_stmtContext* ctx);
  ast::StmtPtr buildExprStmt(HelParser::Expr_stmtContext* ctx);
  ast::StmtPtr buildImportName(HelParser::Import_nameContext* ctx);
  ast::StmtPtr buildImportFrom(HelParser::Import_fromContext* ctx);
  void buildCompound(HelParser::Compound_stmtContext* ctx, ast::StmtList& out);
  ast::StmtPtr buildIf(HelParser::If_stmtContext* ctx);
  ast::StmtPtr buildWhile(HelParser::While_stmtContext* ctx);
  ast::StmtPtr buildFor(HelParser::For_stmtContext* ctx);
  ast::StmtPtr buildFuncdef(HelParser::FuncdefContext* ctx, ast::ExprList decorators);
  ast::StmtList buildBlock(HelParser::BlockContext* ctx, Ctx* owner);
  ast::StmtList buildLoopBody(HelParser::BlockContext* ctx, Ctx* owner);
  ast::StmtList buildFunctionBody(HelParser::BlockContext* ctx, Ctx* owner);
  std::vector<ast::Param> buildParams(Ctx* list);
  void partial(Ctx* ctx);

  // ---- expressions ----
  ast::ExprPtr buildTest(HelParser::TestContext* ctx);
  ast::ExprPtr buildLambda(HelParser::LambdefContext* ctx);
  ast::ExprPtr buildOrTest(HelParser::Or_testContext* ctx);
  ast::ExprPtr buildAndTest(HelParser::And_testContext* ctx);
  ast::ExprPtr buildNotTest(HelParser::Not_testContext* ctx);
  ast::ExprPtr buildComparison(HelParser::ComparisonContext* ctx);
  ast::ExprPtr buildStarExpr(HelParser::Star_exprContext* ctx);
  ast::ExprPtr buildBitwiseOr(HelParser::Bitwise_orContext* ctx);
  ast::ExprPtr buildAtomExpr(HelParser::Atom_exprContext* ctx);
  ast::ExprPtr buildAtom(HelParser::AtomContext* ctx);
  ast::ExprPtr buildStrings(HelParser::AtomContext* ctx);
  ast::ExprPtr buildDict(HelParser::AtomContext* ctx);
  void buildArguments(HelParser::ArgumentsContext* ctx, ast::Call& call);
  ast::ExprPtr buildSubscripts(HelParser::SubscriptsContext* ctx);
  ast::ExprPtr buildSubscript(HelParser::SubscriptContext* ctx);
  // A comma-separated list (exprlist, testlist, testlist_star_expr,
  // testlist_comp): its only element, or a Tuple of them.
  ast::ExprPtr buildList(Ctx* ctx, bool* hadComma = nullptr);
  ast::ExprPtr buildElement(antlr4::tree::ParseTree* tree);

  // ---- strings ----
  std::string decodeString(antlr4::Token* token);
  void reportEscapeProblems(const std::vector<EscapeProblem>& problems, uint32_t base);
  void buildFString(antlr4::Token* token, ast::FString& out);
  void fstringBody(uint32_t begin, uint32_t end, bool raw, ast::FString& out, int nesting);
  size_t fstringField(uint32_t bodyBegin, std::string_view body, size_t open, bool raw, ast::FString& out,
                      int nesting);
  void appendLiteral(ast::FString& out, std::string text, SourceRange range);

  // ---- checks ----
  void checkTarget(const ast::Expr& target);
  void checkAugTarget(const ast::Expr& target);
  void checkAnnTarget(const ast::Expr& target);
  void checkNotStarred(const ast::Expr* value);

  const SourceText& text_;
  antlr4::TokenStream& tokens_;
  DiagnosticBuffer& diags_;
  const SourceFile& file_;
  int functionDepth_ = 0;
  int loopDepth_ = 0;
  std::function<bool(const antlr4::Token*)> atModuleLevel_;
  const std::unordered_set<const antlr4::ParserRuleContext*>* path_ = nullptr;
};

}  // namespace hel::parser
