#include "runtime/interp/Interpreter.h"

#include <fmt/format.h>

#include <cmath>
#include <set>

#include "parser/Parser.h"
#include "runtime/Errors.h"
#include "runtime/TensorOps.h"
#include "runtime/interp/DeviceLauncher.h"
#include "runtime/interp/HostBuiltins.h"
#include "runtime/interp/Kernel.h"
#include "stdlib/Stdlib.h"

namespace hel::interp {

void throwError(ExitStatus status, SourceRange range, std::string message) {
  throw ScriptError{status, DiagnosticEngine::make(diag::ScriptFailed, range, message)};
}

namespace {

bool isDeviceLoopIter(const Value& callee) {
  auto* builtin = callee.as<BuiltinObject>();
  return builtin && (builtin->builtin->rule == sema::BuiltinRule::Tile ||
                     builtin->builtin->rule == sema::BuiltinRule::Grid);
}

}  // namespace

Value* Scope::lookup(const std::string& name) {
  for (Scope* scope = this; scope; scope = scope->parent.get()) {
    auto it = scope->variables.find(name);
    if (it != scope->variables.end()) return &it->second;
  }
  return nullptr;
}

Interpreter::Interpreter(SourceManager& sources, DiagnosticEngine& diags, RunOptions options)
    : sources_(sources), diags_(diags), options_(options) {
  builtins_ = std::make_shared<Scope>(nullptr);
  hostBuiltins_ = std::make_unique<HostBuiltins>(*this);
  launcher = std::make_unique<DeviceLauncher>();
  defineModules();
  for (const sema::Builtin& builtin : sema::builtins())
    if (builtin.module() == "builtins")
      builtins_->variables[std::string(builtin.name())] = std::make_shared<BuiltinObject>(&builtin);
  loadStdlib();
  globals_ = std::make_shared<Scope>(builtins_);
}

Interpreter::~Interpreter() = default;

// Python's traceback, innermost last: says where each function was called,
// unless the error is that call itself (arguments or result that do not fit).
// The harness counts as builtin: an error inside it is reported at the
// script's call of it, and calls made inside it are not listed.
void Interpreter::traceCall(ScriptError& error, const std::string& function, SourceRange call) const {
  SourceRange& at = error.diagnostic.range;
  if (call.file == stdlibFile_) return;
  if (at.file == stdlibFile_) {
    at = call;
    return;
  }
  if (at.file == call.file && at.begin == call.begin && at.end == call.end) return;
  error.diagnostic.notes.push_back(DiagnosticEngine::make(diag::CalledFromHere, call, function));
}

const ConfigObject* Interpreter::configOverride(const std::string& kernel) {
  if (options_.configOverride.empty() || (!options_.configKernel.empty() && options_.configKernel != kernel))
    return nullptr;
  if (overrideConfig_.isNone()) {
    // Evaluated as the script would: `helion.Config(<the option's text>)`.
    const SourceFile& file =
        sources_.add("<--config>", "import helion\nconfig = helion.Config(" + options_.configOverride + ")\n");
    overrideModule_ = parseModule(file, diags_);
    if (!overrideModule_) throwError(kExitUsage, {}, "--config is not a list of Config fields");
    auto scope = std::make_shared<Scope>(builtins_);
    Frame frame{scope, {}, nullptr};
    execBlock(overrideModule_->body, frame);
    overrideConfig_ = scope->variables.at("config");
  }
  return overrideConfig_.as<ConfigObject>();
}

Value Interpreter::module(const std::string& name) {
  auto it = modules_.find(name);
  return it == modules_.end() ? Value() : it->second;
}

void Interpreter::defineModules() {
  auto moduleNamed = [&](const std::string& name) -> ModuleObject& {
    auto it = modules_.find(name);
    if (it == modules_.end()) it = modules_.emplace(name, std::make_shared<ModuleObject>(name)).first;
    return *it->second.as<ModuleObject>();
  };
  for (const char* name : {"torch", "torch.nn", "torch.nn.functional", "torch.testing", "torch.cuda",
                           "torch.autograd", "helion", "helion.language", "triton", "triton.testing", "math",
                           "time", "jaxtyping", "logging", "_hel"})
    moduleNamed(name);
  // Submodules are attributes of their parents (torch.nn.functional).
  for (auto& [name, value] : modules_) {
    size_t dot = name.rfind('.');
    if (dot != std::string::npos) moduleNamed(name.substr(0, dot)).members[name.substr(dot + 1)] = value;
  }
  for (const sema::Builtin& builtin : sema::builtins()) {
    std::string owner(builtin.module());
    if (owner == "builtins" || owner == "Tensor") continue;
    moduleNamed(owner).members[std::string(builtin.name())] = std::make_shared<BuiltinObject>(&builtin);
  }
  ModuleObject& torch = moduleNamed("torch");
  for (int i = 0; i <= static_cast<int>(DType::Float64); ++i) {
    auto dtype = static_cast<DType>(i);
    torch.members[std::string(dtypeBareName(dtype))] = dtype;
  }
  torch.members["half"] = DType::Float16;
  torch.members["float"] = DType::Float32;
  torch.members["double"] = DType::Float64;
  torch.members["long"] = DType::Int64;
  torch.members["int"] = DType::Int32;
  torch.members["Tensor"] = std::make_shared<TypeObject>("Tensor");
  torch.members["Size"] = builtins_->variables.count("tuple") ? builtins_->variables["tuple"] : Value();
  ModuleObject& math = moduleNamed("math");
  math.members["inf"] = INFINITY;
  math.members["pi"] = M_PI;
  math.members["e"] = M_E;
  // logging is accepted so that pasted Helion code runs; levels do nothing.
  ModuleObject& logging = moduleNamed("logging");
  for (auto [name, level] : {std::pair{"DEBUG", 10}, {"INFO", 20}, {"WARNING", 30}, {"ERROR", 40}})
    logging.members[name] = int64_t{level};
  ModuleObject& jaxtyping = moduleNamed("jaxtyping");
  for (const char* marker : {"Float32", "Float16", "BFloat16", "Float64", "Int32", "Int64", "Int8", "UInt8",
                             "Bool", "Float", "Int", "Shaped"})
    jaxtyping.members[marker] = std::make_shared<TypeObject>(marker);
}

sema::KnownNames Interpreter::knownNames() const {
  sema::KnownNames known;
  for (const auto& entry : builtins_->variables) known.builtins.insert(entry.first);
  for (const auto& [name, value] : modules_) {
    std::set<std::string>& members = known.modules[name];
    for (const auto& member : value.as<ModuleObject>()->members) members.insert(member.first);
  }
  return known;
}

// Scripts are resolved before they run (sema/Resolve.h), so these errors are
// only reached by code that was not: the embedded harness.
Value Interpreter::importModule(const std::string& name, SourceRange range) {
  Value found = module(name);
  if (found.isNone()) throwDiagnostic(kExitCompileError, diag::UnknownModule, range, name, sema::listModules(knownNames()));
  return found;
}

void Interpreter::loadStdlib() {
  const SourceFile& file = sources_.add("<stdlib>/harness.hel", stdlib::harnessSource());
  stdlibFile_ = &file;
  stdlibModule_ = parseModule(file, diags_);
  if (!stdlibModule_) throw std::logic_error("the embedded harness does not parse");
  auto stdlibGlobals = std::make_shared<Scope>(builtins_);
  Frame frame{stdlibGlobals, {}, nullptr};
  execBlock(stdlibModule_->body, frame);
  // Its functions become builtins, which a script's own definitions shadow.
  for (auto& [name, value] : stdlibGlobals->variables)
    if (value.is<FunctionObject>()) builtins_->variables[name] = value;
}

int Interpreter::runFile(const SourceFile& file, const ast::Module& module) {
  return runScript(file, [&](Frame& frame) { execBlock(module.body, frame); });
}

Value Interpreter::runDefinitions(const SourceFile& file, const ast::Module& module, const std::string& function,
                                  Frame& frame) {
  for (const ast::StmtPtr& stmt : module.body)
    if (stmt->kind != ast::NodeKind::ExprStmt) exec(*stmt, frame);
  Value* callee = globals_->lookup(function);
  if (!callee || !(callee->is<KernelObject>() || callee->is<FunctionObject>())) {
    std::string kernels;
    for (const auto& [name, value] : globals_->variables)
      if (value.is<KernelObject>()) kernels += (kernels.empty() ? "" : ", ") + name;
    throwDiagnostic(kExitUsage, diag::NoSuchKernel, {}, function, file.path(), kernels.empty() ? "none" : kernels);
  }
  return *callee;
}

int Interpreter::runCase(const SourceFile& file, const ast::Module& module, const std::string& function,
                         const std::string& caseDir) {
  return runScript(file, [&](Frame& frame) {
    Value callee = runDefinitions(file, module, function, frame);
    // The harness's own check_case, even where the script defines another.
    CallArgs args{{callee, caseDir}, {}, {}, {}, {}};
    call(builtins_->variables.at("check_case"), args);
  });
}

namespace {

// One `name=value` of --args: `f32[8192,64]` is a meta tensor, else a number.
Value parseArgValue(const std::string& name, const std::string& text) {
  size_t bracket = text.find('[');
  if (bracket != std::string::npos && text.back() == ']') {
    std::optional<DType> dtype = parseDType(text.substr(0, bracket));
    if (!dtype) throwError(kExitUsage, {}, fmt::format("--args: unknown dtype '{}' for '{}'", text.substr(0, bracket), name));
    Shape shape;
    std::string dims = text.substr(bracket + 1, text.size() - bracket - 2);
    size_t start = 0;
    while (start < dims.size()) {
      size_t comma = dims.find(',', start);
      std::string dim = dims.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      try {
        shape.push_back(std::stoll(dim));
      } catch (const std::exception&) {
        throwError(kExitUsage, {}, fmt::format("--args: '{}' is not a size in '{}'", dim, text));
      }
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    return Tensor::empty(shape, *dtype, Device::meta());
  }
  try {
    size_t used = 0;
    int64_t integer = std::stoll(text, &used);
    if (used == text.size()) return integer;
    double real = std::stod(text, &used);
    if (used == text.size()) return real;
  } catch (const std::exception&) {
  }
  throwError(kExitUsage, {}, fmt::format("--args: '{}={}' is neither dtype[sizes] nor a number", name, text));
}

}  // namespace

int Interpreter::runWithArgs(const SourceFile& file, const ast::Module& module, const std::string& function,
                             const std::string& argsText) {
  return runScript(file, [&](Frame& frame) {
    Value callee = runDefinitions(file, module, function, frame);
    CallArgs args;
    // Split at the commas outside brackets.
    int depth = 0;
    std::string item;
    auto flush = [&] {
      if (item.empty()) return;
      size_t eq = item.find('=');
      if (eq == std::string::npos) throwError(kExitUsage, {}, fmt::format("--args: '{}' is not name=value", item));
      std::string name = item.substr(0, eq);
      args.keywordNames.push_back(name);
      args.keywordValues.push_back(parseArgValue(name, item.substr(eq + 1)));
      item.clear();
    };
    for (char c : argsText) {
      if (c == ' ') continue;
      if (c == '[') ++depth;
      if (c == ']') --depth;
      if (c == ',' && depth == 0) flush();
      else item += c;
    }
    flush();
    call(callee, args);
  });
}

int Interpreter::runScript(const SourceFile& file, const std::function<void(Frame&)>& body) {
  scriptFile_ = &file;
  Frame frame{globals_, {}, nullptr};
  try {
    body(frame);
  } catch (const ScriptError& error) {
    DiagnosticBuilder(&diags_, error.diagnostic);
    return error.status;
  }
  return kExitOk;
}

// ---- statements ---------------------------------------------------------------------

Interpreter::Flow Interpreter::execBlock(const ast::StmtList& body, Frame& frame) {
  for (const ast::StmtPtr& stmt : body) {
    Flow flow = exec(*stmt, frame);
    if (flow != Flow::Normal) return flow;
  }
  return Flow::Normal;
}

Interpreter::Flow Interpreter::exec(const ast::Stmt& stmt, Frame& frame) {
  using ast::NodeKind;
  switch (stmt.kind) {
    case NodeKind::ExprStmt:
      eval(*ast::cast<ast::ExprStmt>(stmt).value, frame);
      return Flow::Normal;
    case NodeKind::Assign: {
      const auto& node = ast::cast<ast::Assign>(stmt);
      Value value = eval(*node.value, frame);
      for (const ast::ExprPtr& target : node.targets) assign(*target, value, frame);
      return Flow::Normal;
    }
    case NodeKind::AugAssign: {
      const auto& node = ast::cast<ast::AugAssign>(stmt);
      Value current = eval(*node.target, frame);
      Value operand = eval(*node.value, frame);
      // `t += x` on a tensor updates it in place, as in PyTorch.
      if (current.isTensor() && (node.target->kind == NodeKind::Name || node.target->kind == NodeKind::Subscript)) {
        Value result = binaryOp(node.op, current, operand, node.range);
        if (node.target->kind == NodeKind::Name) {
          guarded(node.range, [&] { const_cast<Tensor&>(current.asTensor()).copyFrom(result.asTensor()); });
          return Flow::Normal;
        }
        assign(*node.target, result, frame);
        return Flow::Normal;
      }
      assign(*node.target, binaryOp(node.op, current, operand, node.range), frame);
      return Flow::Normal;
    }
    case NodeKind::AnnAssign: {
      const auto& node = ast::cast<ast::AnnAssign>(stmt);
      if (node.value) assign(*node.target, eval(*node.value, frame), frame);
      return Flow::Normal;
    }
    case NodeKind::If: {
      const auto& node = ast::cast<ast::If>(stmt);
      if (truthy(eval(*node.test, frame), node.test->range)) return execBlock(node.body, frame);
      return execBlock(node.orelse, frame);
    }
    case NodeKind::For: {
      Flow flow = Flow::Normal;
      execFor(ast::cast<ast::For>(stmt), frame, flow);
      return flow;
    }
    case NodeKind::While: {
      const auto& node = ast::cast<ast::While>(stmt);
      while (truthy(eval(*node.test, frame), node.test->range)) {
        Flow flow = execBlock(node.body, frame);
        if (flow == Flow::Break) return Flow::Normal;
        if (flow == Flow::Return) return flow;
      }
      return execBlock(node.orelse, frame);
    }
    case NodeKind::Return: {
      const auto& node = ast::cast<ast::Return>(stmt);
      frame.returnValue = node.value ? eval(*node.value, frame) : Value();
      return Flow::Return;
    }
    case NodeKind::Pass: return Flow::Normal;
    case NodeKind::Break: return Flow::Break;
    case NodeKind::Continue: return Flow::Continue;
    case NodeKind::Assert: {
      const auto& node = ast::cast<ast::Assert>(stmt);
      if (!truthy(eval(*node.test, frame), node.test->range)) {
        std::string message = node.msg ? str(eval(*node.msg, frame)) : "";
        throwError(kExitCheckFailed, node.test->range,
                   message.empty() ? "AssertionError" : "AssertionError: " + message);
      }
      return Flow::Normal;
    }
    case NodeKind::FunctionDef:
      execFunctionDef(ast::cast<ast::FunctionDef>(stmt), frame);
      return Flow::Normal;
    case NodeKind::Import: {
      for (const ast::Alias& alias : ast::cast<ast::Import>(stmt).names) {
        Value imported = importModule(alias.name, alias.range);
        if (!alias.asname.empty()) {
          frame.scope->variables[alias.asname] = imported;
        } else {
          // `import a.b` binds `a`, as Python does.
          std::string top = alias.name.substr(0, alias.name.find('.'));
          frame.scope->variables[top] = importModule(top, alias.range);
        }
      }
      return Flow::Normal;
    }
    case NodeKind::ImportFrom: {
      const auto& node = ast::cast<ast::ImportFrom>(stmt);
      Value from = importModule(node.module, node.moduleRange);
      auto* fromModule = from.as<ModuleObject>();
      for (const ast::Alias& alias : node.names) {
        if (alias.name == "*") {
          for (const auto& [name, value] : fromModule->members) frame.scope->variables[name] = value;
          continue;
        }
        std::optional<Value> member = fromModule->attribute(alias.name);
        if (!member) {
          Value submodule = module(node.module + "." + alias.name);
          if (submodule.isNone())
            throwDiagnostic(kExitCompileError, diag::CannotImportName, alias.range, node.module, alias.name);
          member = submodule;
        }
        frame.scope->variables[alias.asname.empty() ? alias.name : alias.asname] = *member;
      }
      return Flow::Normal;
    }
    default:
      // The parser makes no other statements.
      throwDiagnostic(kExitRuntimeError, diag::InternalError, stmt.range,
                      fmt::format("the interpreter has no rule for a {} statement", ast::kindName(stmt.kind)));
  }
}

void Interpreter::execFor(const ast::For& loop, Frame& frame, Flow& flow) {
  // A device loop: `for tile in hl.tile(...)` at the top of a kernel's body.
  if (frame.kernel && loop.iter->kind == ast::NodeKind::Call &&
      isDeviceLoopIter(eval(*ast::cast<ast::Call>(*loop.iter).func, frame))) {
    launcher->launch(*this, loop, frame.scope, *frame.kernel);
    return;
  }
  Value iterable = eval(*loop.iter, frame);
  auto runBody = [&](const Value& item) {
    assign(*loop.target, item, frame);
    Flow bodyFlow = execBlock(loop.body, frame);
    if (bodyFlow == Flow::Return) flow = Flow::Return;
    return bodyFlow == Flow::Normal || bodyFlow == Flow::Continue;
  };
  if (auto* range = iterable.as<RangeObject>()) {
    int64_t n = range->length();
    for (int64_t i = 0; i < n; ++i)
      if (!runBody(Value(range->start + i * range->step))) return;
  } else {
    for (const Value& item : iterate(iterable, loop.iter->range))
      if (!runBody(item)) return;
  }
  if (flow == Flow::Normal) flow = execBlock(loop.orelse, frame);
}

void Interpreter::execFunctionDef(const ast::FunctionDef& def, Frame& frame) {
  Value function = makeFunction(&def, nullptr, frame);
  // Decorators apply bottom-up.
  for (auto it = def.decorators.rbegin(); it != def.decorators.rend(); ++it) {
    Value decorator = eval(**it, frame);
    CallArgs args{{function}, {}, {}, (*it)->range, {}};
    function = call(decorator, args);
  }
  frame.scope->variables[def.name] = function;
}

Value Interpreter::makeFunction(const ast::FunctionDef* def, const ast::Lambda* lambda, Frame& frame) {
  auto function = std::make_shared<FunctionObject>();
  function->def = def;
  function->lambda = lambda;
  function->name = def ? def->name : "<lambda>";
  function->closure = frame.scope;
  for (const ast::Param& param : function->params()) {
    function->hasDefault.push_back(param.defaultValue != nullptr);
    function->defaults.push_back(param.defaultValue ? eval(*param.defaultValue, frame) : Value());
    function->annotations.push_back(param.annotation ? eval(*param.annotation, frame) : Value());
  }
  if (def && def->returns) function->returnAnnotation = eval(*def->returns, frame);
  return function;
}

void Interpreter::assign(const ast::Expr& target, const Value& value, Frame& frame) {
  switch (target.kind) {
    case ast::NodeKind::Name:
      frame.scope->variables[ast::cast<ast::Name>(target).id] = value;
      return;
    case ast::NodeKind::Tuple:
    case ast::NodeKind::List: {
      const ast::ExprList& elts = target.kind == ast::NodeKind::Tuple ? ast::cast<ast::Tuple>(target).elts
                                                                      : ast::cast<ast::List>(target).elts;
      std::vector<Value> items = iterate(value, target.range);
      int starred = -1;
      for (size_t i = 0; i < elts.size(); ++i)
        if (elts[i]->kind == ast::NodeKind::Starred) starred = static_cast<int>(i);
      if (starred < 0 && items.size() != elts.size())
        throwError(kExitRuntimeError, target.range,
                   items.size() > elts.size()
                       ? fmt::format("too many values to unpack (expected {})", elts.size())
                       : fmt::format("not enough values to unpack (expected {}, got {})", elts.size(), items.size()));
      if (starred >= 0 && items.size() + 1 < elts.size())
        throwError(kExitRuntimeError, target.range,
                   fmt::format("not enough values to unpack (expected at least {}, got {})", elts.size() - 1,
                               items.size()));
      size_t after = starred < 0 ? 0 : elts.size() - starred - 1;
      for (size_t i = 0; i < elts.size(); ++i) {
        if (static_cast<int>(i) == starred) {
          std::vector<Value> rest(items.begin() + starred, items.end() - after);
          assign(*ast::cast<ast::Starred>(*elts[i]).value, std::make_shared<ListObject>(rest), frame);
        } else {
          size_t from = starred >= 0 && static_cast<int>(i) > starred ? items.size() - (elts.size() - i) : i;
          assign(*elts[i], items[from], frame);
        }
      }
      return;
    }
    case ast::NodeKind::Subscript: {
      const auto& node = ast::cast<ast::Subscript>(target);
      setSubscript(eval(*node.value, frame), eval(*node.slice, frame), value, node.range);
      return;
    }
    case ast::NodeKind::Attribute:
      throwError(kExitRuntimeError, target.range, "assigning to attributes is not supported");
    default:
      // The parser rejects other targets; this is its message for them.
      throwDiagnostic(kExitCompileError, diag::InvalidAssignTarget, target.range, "this expression");
  }
}

// ---- expressions --------------------------------------------------------------------

Value Interpreter::eval(const ast::Expr& expr, Frame& frame) {
  using ast::NodeKind;
  switch (expr.kind) {
    case NodeKind::Name: return evalName(ast::cast<ast::Name>(expr), frame);
    case NodeKind::Constant: {
      const auto& node = ast::cast<ast::Constant>(expr);
      switch (node.valueKind) {
        case ast::ConstantKind::Int: return node.intValue;
        case ast::ConstantKind::Float: return node.floatValue;
        case ast::ConstantKind::Str: return node.strValue;
        case ast::ConstantKind::Bool: return node.boolValue;
        case ast::ConstantKind::None: return Value();
        case ast::ConstantKind::Ellipsis: return EllipsisValue{};
      }
      return Value();
    }
    case NodeKind::FString: return evalFString(ast::cast<ast::FString>(expr), frame);
    case NodeKind::BinOp: {
      const auto& node = ast::cast<ast::BinOp>(expr);
      Value left = eval(*node.left, frame);
      Value right = eval(*node.right, frame);
      return binaryOp(node.op, left, right, node.range);
    }
    case NodeKind::UnaryOp: {
      const auto& node = ast::cast<ast::UnaryOp>(expr);
      return unaryOp(node.op, eval(*node.operand, frame), node.range);
    }
    case NodeKind::BoolOp: {
      const auto& node = ast::cast<ast::BoolOp>(expr);
      Value value;
      for (const ast::ExprPtr& operand : node.values) {
        value = eval(*operand, frame);
        bool isTrue = truthy(value, operand->range);
        if (node.op == ast::BoolOpKind::And ? !isTrue : isTrue) return value;
      }
      return value;
    }
    case NodeKind::Compare: return evalCompare(ast::cast<ast::Compare>(expr), frame);
    case NodeKind::IfExp: {
      const auto& node = ast::cast<ast::IfExp>(expr);
      return truthy(eval(*node.test, frame), node.test->range) ? eval(*node.body, frame) : eval(*node.orelse, frame);
    }
    case NodeKind::Lambda: return makeFunction(nullptr, &ast::cast<ast::Lambda>(expr), frame);
    case NodeKind::Call: return evalCall(ast::cast<ast::Call>(expr), frame);
    case NodeKind::Attribute: return evalAttribute(ast::cast<ast::Attribute>(expr), frame);
    case NodeKind::Subscript: return evalSubscript(ast::cast<ast::Subscript>(expr), frame);
    case NodeKind::Slice: {
      const auto& node = ast::cast<ast::Slice>(expr);
      auto slice = std::make_shared<SliceObject>();
      if (node.lower) slice->start = eval(*node.lower, frame);
      if (node.upper) slice->stop = eval(*node.upper, frame);
      if (node.step) slice->step = eval(*node.step, frame);
      return slice;
    }
    case NodeKind::Tuple:
    case NodeKind::List: {
      const ast::ExprList& elts = expr.kind == NodeKind::Tuple ? ast::cast<ast::Tuple>(expr).elts
                                                               : ast::cast<ast::List>(expr).elts;
      std::vector<Value> items;
      for (const ast::ExprPtr& elt : elts) {
        if (elt->kind == NodeKind::Starred) {
          for (Value& item : iterate(eval(*ast::cast<ast::Starred>(*elt).value, frame), elt->range))
            items.push_back(std::move(item));
        } else {
          items.push_back(eval(*elt, frame));
        }
      }
      if (expr.kind == NodeKind::Tuple) return std::make_shared<TupleObject>(std::move(items));
      return std::make_shared<ListObject>(std::move(items));
    }
    case NodeKind::Dict: {
      const auto& node = ast::cast<ast::Dict>(expr);
      auto dict = std::make_shared<DictObject>();
      for (size_t i = 0; i < node.keys.size(); ++i) {
        if (!node.keys[i]) {
          Value other = eval(*node.values[i], frame);
          auto* otherDict = other.as<DictObject>();
          if (!otherDict) throwError(kExitRuntimeError, node.values[i]->range, "'**' needs a dict");
          for (auto& [key, value] : otherDict->entries) dict->set(key, value);
        } else {
          dict->set(eval(*node.keys[i], frame), eval(*node.values[i], frame));
        }
      }
      return dict;
    }
    case NodeKind::Starred:
      throwDiagnostic(kExitCompileError, diag::StarredNotAllowed, expr.range);
    default:
      // The parser makes no other expressions.
      throwDiagnostic(kExitRuntimeError, diag::InternalError, expr.range,
                      fmt::format("the interpreter has no rule for a {} expression", ast::kindName(expr.kind)));
  }
}

Value Interpreter::evalName(const ast::Name& name, Frame& frame) {
  if (Value* value = frame.scope->lookup(name.id)) return *value;
  // Name resolution found a binding of it, which has not run yet.
  throwDiagnostic(kExitRuntimeError, diag::UsedBeforeAssignment, name.range, name.id);
}

Value Interpreter::evalCall(const ast::Call& node, Frame& frame) {
  Value callee = eval(*node.func, frame);
  CallArgs args;
  args.range = node.range;
  for (const ast::ExprPtr& arg : node.args) {
    if (arg->kind == ast::NodeKind::Starred) {
      for (Value& item : iterate(eval(*ast::cast<ast::Starred>(*arg).value, frame), arg->range))
        args.positional.push_back(std::move(item));
    } else {
      args.positional.push_back(eval(*arg, frame));
    }
  }
  for (const ast::Keyword& keyword : node.keywords) {
    Value value = eval(*keyword.value, frame);
    if (keyword.arg.empty()) {
      auto* dict = value.as<DictObject>();
      if (!dict) throwError(kExitRuntimeError, keyword.range, "argument after ** must be a dict");
      for (auto& [key, item] : dict->entries) {
        args.keywordNames.push_back(key.isStr() ? key.asStr() : str(key));
        args.keywordValues.push_back(item);
        args.keywordRanges.push_back(keyword.range);
      }
    } else {
      args.keywordNames.push_back(keyword.arg);
      args.keywordValues.push_back(std::move(value));
      args.keywordRanges.push_back(keyword.range);
    }
  }
  return call(callee, args);
}

Value Interpreter::call(const Value& callee, CallArgs& args) {
  if (auto* function = callee.as<FunctionObject>()) {
    try {
      return callFunction(*function, args);
    } catch (ScriptError& error) {
      traceCall(error, function->name, args.range);
      throw;
    }
  }
  if (auto* builtin = callee.as<BuiltinObject>()) return hostBuiltins_->call(*builtin->builtin, nullptr, args);
  if (auto* method = callee.as<BoundMethodObject>()) {
    if (auto* builtin = method->function.as<BuiltinObject>())
      return hostBuiltins_->call(*builtin->builtin, &method->self, args);
    args.positional.insert(args.positional.begin(), method->self);
    return call(method->function, args);
  }
  if (auto* native = callee.as<NativeObject>()) return native->fn(args);
  if (auto* kernel = callee.as<KernelObject>()) {
    try {
      return callKernel(*this, *kernel, args);
    } catch (ScriptError& error) {
      traceCall(error, kernel->function->name, args.range);
      throw;
    }
  }
  throwError(kExitRuntimeError, args.range, fmt::format("'{}' object is not callable", typeName(callee)));
}

Value Interpreter::callFunction(const FunctionObject& function, CallArgs& args, KernelCall* kernel) {
  auto scope = std::make_shared<Scope>(function.closure);
  JaxtypingDims dims = bindParameters(*this, function, args, scope->variables, kernel != nullptr);
  Frame frame{scope, {}, kernel};
  if (function.lambda) return eval(*function.lambda->body, frame);
  execBlock(function.def->body, frame);
  checkReturnContract(function, frame.returnValue, std::move(dims), args.range);
  return frame.returnValue;
}

Value Interpreter::evalAttribute(const ast::Attribute& node, Frame& frame) {
  return attribute(eval(*node.value, frame), node.attr, node.attrRange);
}

Value Interpreter::attribute(const Value& object, const std::string& name, SourceRange range) {
  if (object.isTensor()) return hostBuiltins_->tensorAttribute(object, name, range);
  if (object.isDType()) {
    if (name == "is_floating_point") return isFloating(object.asDType());
    if (name == "itemsize") return static_cast<int64_t>(itemSize(object.asDType()));
  }
  if (object.isDevice() && name == "type")
    return std::string(object.asDevice().isCuda() ? "cuda" : object.asDevice().isMeta() ? "meta" : "cpu");
  if (object.isObject()) {
    if (std::optional<Value> member = object.asObject()->attribute(name)) return *member;
    if (auto* moduleObject = object.as<ModuleObject>())
      throwDiagnostic(kExitCompileError, diag::UnknownModuleAttribute, range, moduleObject->name, name);
  }
  throwError(kExitRuntimeError, range, fmt::format("'{}' object has no attribute '{}'", typeName(object), name));
}

Value Interpreter::evalSubscript(const ast::Subscript& node, Frame& frame) {
  return subscript(eval(*node.value, frame), eval(*node.slice, frame), node.range);
}

Value Interpreter::evalFString(const ast::FString& fstring, Frame& frame) {
  std::string out;
  for (const ast::FString::Part& part : fstring.parts) {
    if (!part.isField()) {
      out += part.literal;
      continue;
    }
    Value value = eval(*part.value, frame);
    std::string spec = part.formatSpec ? str(evalFString(*part.formatSpec, frame)) : "";
    if (part.conversion == 'r' || part.conversion == 'a') value = repr(value);
    if (part.conversion == 's') value = str(value);
    out += format(value, spec, part.range);
  }
  return out;
}

Value Interpreter::evalCompare(const ast::Compare& node, Frame& frame) {
  Value left = eval(*node.left, frame);
  for (size_t i = 0; i < node.ops.size(); ++i) {
    Value right = eval(*node.comparators[i], frame);
    Value tensorResult;
    bool result = compareOp(node.ops[i], left, right, node.range, &tensorResult);
    // An elementwise comparison gives a tensor; chains of them are not allowed.
    if (!tensorResult.isNone()) {
      if (node.ops.size() > 1)
        throwError(kExitRuntimeError, node.range, "chained comparisons of tensors are ambiguous");
      return tensorResult;
    }
    if (!result) return false;
    left = std::move(right);
  }
  return true;
}

bool Interpreter::truthy(const Value& value, SourceRange range) {
  if (value.isNone()) return false;
  if (value.isBool()) return value.asBool();
  if (value.isInt()) return value.asInt() != 0;
  if (value.isFloat()) return value.asFloat() != 0;
  if (value.isStr()) return !value.asStr().empty();
  if (value.isTensor()) {
    const Tensor& tensor = value.asTensor();
    if (tensor.numel() != 1)
      throwError(kExitRuntimeError, range,
                 fmt::format("Boolean value of Tensor with {} values is ambiguous", tensor.numel()));
    return guarded(range, [&] { return tensor.item().toBool(); });
  }
  if (auto* tuple = value.as<TupleObject>()) return !tuple->items.empty();
  if (auto* list = value.as<ListObject>()) return !list->items.empty();
  if (auto* dict = value.as<DictObject>()) return !dict->entries.empty();
  if (auto* range_ = value.as<RangeObject>()) return range_->length() > 0;
  return true;
}

}  // namespace hel::interp
