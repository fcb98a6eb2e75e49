// The grammar of .hel programs (LANGUAGE.md §2): a Python subset.
//
// Only the token rules and the shape of the syntax live here. Three things are
// done in C++, in parser/:
//   * parser/Tokenizer.cpp subclasses the generated lexer and turns physical
//     lines into logical ones, Python style: it emits NEWLINE at the end of a
//     logical line, INDENT/DEDENT when the indentation changes, drops WS,
//     COMMENT and LINE_CONT, ignores line breaks inside () [] {}, and reports
//     lexical errors (the ERROR_TOKEN type marks a token it already reported).
//   * parser/AstBuilder.cpp turns the parse tree into the AST and checks what
//     the grammar accepts loosely on purpose (assignment targets, argument and
//     parameter order, f-string contents, literal values).
//   * parser/SyntaxErrors.cpp words ANTLR's errors for a Python user.
//
// The grammar is kept LL(1) wherever Python allows it (one token decides every
// alternative and loop, except trailing commas, which need two), so that SLL
// prediction never has to look far ahead: parsing is linear and fast.
// Expressions are a chain of rules, one per precedence level, lowest first, as
// in CPython's old LL(1) grammar, down to comparisons; the arithmetic and
// bitwise levels below them are one left-recursive rule (`bitwise_or`).

grammar Hel;

tokens { INDENT, DEDENT, ERROR_TOKEN }

// ============================================================================
// Parser
// ============================================================================

// A whole file. The tokenizer never emits a NEWLINE for a blank line.
file_input : stmt* EOF ;

// The expression in an f-string replacement field: `f"{a + b:.3f}"`.
fstring_expr : testlist EOF ;

stmt : simple_stmts | compound_stmt ;

// ---- simple statements ------------------------------------------------------

simple_stmts : simple_stmt (';' simple_stmt)* ';'? NEWLINE ;

simple_stmt
  : expr_stmt
  | return_stmt
  | pass_stmt
  | break_stmt
  | continue_stmt
  | assert_stmt
  | import_name
  | import_from
  ;

// Expression statement, assignment (`a = b = c`, `m, n = x.size()`),
// augmented assignment (`acc += y`) or annotated assignment (`acc: T = 0`).
// Targets are parsed as expressions; the AST builder checks that they can be
// assigned to.
expr_stmt
  : testlist_star_expr
    ( annassign
    | augassign testlist
    | ('=' testlist_star_expr)*
    )
  ;

annassign : ':' test ('=' testlist_star_expr)? ;

augassign
  : '+=' | '-=' | '*=' | '@=' | '/=' | '//=' | '%='
  | '&=' | '|=' | '^=' | '<<=' | '>>=' | '**='
  ;

return_stmt : 'return' testlist_star_expr? ;
pass_stmt : 'pass' ;
break_stmt : 'break' ;
continue_stmt : 'continue' ;
assert_stmt : 'assert' test (',' test)? ;

import_name : 'import' dotted_as_name (',' dotted_as_name)* ;
dotted_as_name : dotted_name ('as' NAME)? ;
import_from
  : 'from' dotted_name 'import'
    ( '*'
    | '(' import_as_names ','? ')'
    | import_as_names
    )
  ;
import_as_names : import_as_name (',' import_as_name)* ;
import_as_name : NAME ('as' NAME)? ;
dotted_name : NAME ('.' NAME)* ;

// ---- compound statements ----------------------------------------------------

compound_stmt : if_stmt | while_stmt | for_stmt | funcdef | decorated ;

if_stmt : 'if' test ':' block elif_clause* else_clause? ;
elif_clause : 'elif' test ':' block ;
else_clause : 'else' ':' block ;
while_stmt : 'while' test ':' block else_clause? ;
// The target is a `bitwise_or` list, not a `test` list, so that `in` ends it.
for_stmt : 'for' exprlist 'in' testlist ':' block else_clause? ;

decorated : decorator+ funcdef ;
decorator : '@' test NEWLINE ;
funcdef : 'def' NAME '(' parameters? ')' ('->' test)? ':' block ;

// Any order is accepted here; the AST builder checks Python's rules (no
// parameter without a default after one with a default, `**kwargs` last, ...).
parameters : parameter (',' parameter)* ','? ;
parameter
  : NAME (':' test)? ('=' test)?       // x, x: T, x=1, x: T = 1
  | '*' (NAME (':' test)?)?            // *args, or a bare * before keyword-only ones
  | '**' NAME (':' test)?              // **kwargs
  ;

// A block is the rest of the line (`if x: pass`) or an indented suite. The
// suite may be empty only when the tokenizer found nothing but comments in it
// (it then emits INDENT DEDENT, and the AST builder warns).
block
  : simple_stmts
  | NEWLINE INDENT stmt* DEDENT
  ;

// ---- expressions, lowest precedence first -----------------------------------

test
  : or_test ('if' or_test 'else' test)?
  | lambdef
  ;

lambdef : 'lambda' lambda_params? ':' test ;
lambda_params : lambda_param (',' lambda_param)* ','? ;
lambda_param
  : NAME ('=' test)?
  | '*' NAME?
  | '**' NAME
  ;

or_test : and_test ('or' and_test)* ;
and_test : not_test ('and' not_test)* ;
not_test : 'not' not_test | comparison ;
comparison : bitwise_or (comp_op bitwise_or)* ;
comp_op : '<' | '>' | '==' | '>=' | '<=' | '!=' | 'in' | 'not' 'in' | 'is' 'not'? ;
star_expr : '*' bitwise_or ;

// The arithmetic and bitwise operators, `**` (tightest) to `|`, in one
// left-recursive rule: ANTLR turns it into precedence climbing, which builds one
// parse-tree node per operator instead of one per level (half the tree of a
// rule chain, and twice the speed). Earlier alternatives bind tighter; a
// prefix operator's operand holds only tighter operators, so `-2**2` is
// `-(2**2)`, and `2**-1` is `2**(-1)` since a prefix operator may start any
// operand.
bitwise_or
  : <assoc=right> bitwise_or '**' bitwise_or
  | ('+' | '-' | '~') bitwise_or
  | bitwise_or ('*' | '@' | '/' | '//' | '%') bitwise_or
  | bitwise_or ('+' | '-') bitwise_or
  | bitwise_or ('<<' | '>>') bitwise_or
  | bitwise_or '&' bitwise_or
  | bitwise_or '^' bitwise_or
  | bitwise_or '|' bitwise_or
  | atom_expr
  ;

atom_expr : atom trailer* ;

atom
  : '(' testlist_comp? ')'
  | '[' testlist_comp? ']'
  | '{' dict_items? '}'
  | NAME
  | NUMBER
  | STRING+
  | '...'
  | 'None'
  | 'True'
  | 'False'
  ;

testlist_comp : (test | star_expr) (',' (test | star_expr))* ','? ;
dict_items : dict_item (',' dict_item)* ','? ;
dict_item : test ':' test | '**' bitwise_or ;

trailer
  : '(' arguments? ')'
  | '[' subscripts ']'
  | '.' NAME
  ;

// `f(a, *b, k=1, **d)`; the AST builder checks the order and that a keyword
// is a plain name.
arguments : argument (',' argument)* ','? ;
argument
  : test ('=' test)?
  | '*' test
  | '**' test
  ;

subscripts : subscript (',' subscript)* ','? ;
subscript
  : test (':' test? sliceop?)?
  | ':' test? sliceop?
  ;
sliceop : ':' test? ;

exprlist : (bitwise_or | star_expr) (',' (bitwise_or | star_expr))* ','? ;
testlist : test (',' test)* ','? ;
testlist_star_expr : (test | star_expr) (',' (test | star_expr))* ','? ;

// ============================================================================
// Lexer
// ============================================================================

// ---- keywords (before NAME, so that they win ties) ---------------------------

AND : 'and' ;
AS : 'as' ;
ASSERT : 'assert' ;
BREAK : 'break' ;
CONTINUE : 'continue' ;
DEF : 'def' ;
ELIF : 'elif' ;
ELSE : 'else' ;
FALSE : 'False' ;
FOR : 'for' ;
FROM : 'from' ;
IF : 'if' ;
IMPORT : 'import' ;
IN : 'in' ;
IS : 'is' ;
LAMBDA : 'lambda' ;
NONE : 'None' ;
NOT : 'not' ;
OR : 'or' ;
PASS : 'pass' ;
RETURN : 'return' ;
TRUE : 'True' ;
WHILE : 'while' ;

// Python keywords that .hel does not support. They stay reserved, as in
// Python, and the parser reports them by name.
ASYNC : 'async' ;
AWAIT : 'await' ;
CLASS : 'class' ;
DEL : 'del' ;
EXCEPT : 'except' ;
FINALLY : 'finally' ;
GLOBAL : 'global' ;
NONLOCAL : 'nonlocal' ;
RAISE : 'raise' ;
TRY : 'try' ;
WITH : 'with' ;
YIELD : 'yield' ;

// ---- names, numbers and strings -----------------------------------------------

NAME : ID_START ID_CONTINUE* ;

// Deliberately loose: digits, an optional fraction and exponent, then any
// letters or digits glued on. The tokenizer checks the spelling (`0x1F`,
// `1_000`, `1e-5`, `10.`, `.5` are fine; `1abc`, `0x`, `1__0`, `09` are not) and
// says what is wrong in Python's words.
NUMBER
  : ( DIGIT_PART ('.' DIGIT_PART?)? | '.' DIGIT_PART ) EXPONENT? NUMBER_TAIL?
  ;

// Any of Python's string forms; the prefix says raw (r), f-string (f) or bytes
// (b). The AST builder decodes escapes and splits f-strings.
STRING : STRING_PREFIX? ( SHORT_STRING | LONG_STRING ) ;

// A quote that is never closed on its line; longer than any STRING match
// when it applies, so it only wins where STRING fails.
UNTERMINATED_STRING
  : STRING_PREFIX? ( '\'' ( STRING_ESCAPE | ~[\\\r\n'] )* | '"' ( STRING_ESCAPE | ~[\\\r\n"] )* )
  ;
// The opening quotes of a triple-quoted string that is never closed.
UNTERMINATED_TRIPLE_STRING : STRING_PREFIX? ( '\'\'\'' | '"""' ) ;

// ---- operators and delimiters -------------------------------------------------

LPAR : '(' ;
RPAR : ')' ;
LSQB : '[' ;
RSQB : ']' ;
LBRACE : '{' ;
RBRACE : '}' ;
COLON : ':' ;
COMMA : ',' ;
SEMI : ';' ;
DOT : '.' ;
ELLIPSIS : '...' ;
RARROW : '->' ;
AT : '@' ;
EQUAL : '=' ;

PLUS : '+' ;
MINUS : '-' ;
STAR : '*' ;
DOUBLESTAR : '**' ;
SLASH : '/' ;
DOUBLESLASH : '//' ;
PERCENT : '%' ;
VBAR : '|' ;
AMPER : '&' ;
CIRCUMFLEX : '^' ;
TILDE : '~' ;
LEFTSHIFT : '<<' ;
RIGHTSHIFT : '>>' ;

LESS : '<' ;
GREATER : '>' ;
EQEQUAL : '==' ;
NOTEQUAL : '!=' ;
LESSEQUAL : '<=' ;
GREATEREQUAL : '>=' ;

PLUSEQUAL : '+=' ;
MINEQUAL : '-=' ;
STAREQUAL : '*=' ;
ATEQUAL : '@=' ;
SLASHEQUAL : '/=' ;
DOUBLESLASHEQUAL : '//=' ;
PERCENTEQUAL : '%=' ;
AMPEREQUAL : '&=' ;
VBAREQUAL : '|=' ;
CIRCUMFLEXEQUAL : '^=' ;
LEFTSHIFTEQUAL : '<<=' ;
RIGHTSHIFTEQUAL : '>>=' ;
DOUBLESTAREQUAL : '**=' ;

// Python's walrus operator; not supported in .hel, reported by name.
COLONEQUAL : ':=' ;

// ---- layout (consumed by the tokenizer) ------------------------------------------

NEWLINE : '\r'? '\n' | '\r' ;
WS : [ \t\f]+ ;
COMMENT : '#' ~[\r\n]* ;
// `\` at the very end of a line joins it with the next one.
LINE_CONT : '\\' ( '\r'? '\n' | '\r' ) ;
// A `\` anywhere else.
BACKSLASH : '\\' ;

// Anything else: reported as an invalid character.
ERROR_CHAR : . ;

// ---- fragments ---------------------------------------------------------------------

fragment ID_START : [_\p{L}\p{Nl}] ;
fragment ID_CONTINUE : [\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}] ;

fragment DIGIT_PART : [0-9] [0-9_]* ;
fragment EXPONENT : [eE] [+-]? [0-9] [0-9_]* ;
fragment NUMBER_TAIL : [a-zA-Z0-9_]+ ;

fragment STRING_PREFIX
  : [rRuUfFbB]
  | [fF] [rR] | [rR] [fF]
  | [bB] [rR] | [rR] [bB]
  ;
fragment SHORT_STRING
  : '\'' ( STRING_ESCAPE | ~[\\\r\n'] )* '\''
  | '"' ( STRING_ESCAPE | ~[\\\r\n"] )* '"'
  ;
fragment LONG_STRING
  : '\'\'\'' LONG_STRING_ITEM*? '\'\'\''
  | '"""' LONG_STRING_ITEM*? '"""'
  ;
fragment LONG_STRING_ITEM : STRING_ESCAPE | ~'\\' ;
// A backslash and the character after it (a line break counts as one).
fragment STRING_ESCAPE : '\\' ( '\r\n' | . ) ;
