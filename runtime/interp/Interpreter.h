// The host interpreter: runs a .hel script's top-level statements in order, as
// `python file.py` would, and the host parts of kernels. Device loops inside a
// kernel are handed to a DeviceLauncher, which compiles and runs them.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "lower/IR.h"
#include "parser/Ast.h"
#include "runtime/Errors.h"
#include "runtime/interp/Value.h"
#include "runtime/tune/LoopConfig.h"
#include "sema/Builtins.h"
#include "sema/Resolve.h"
#include "support/Diagnostics.h"

namespace hel::tune {
struct TuneFile;
}

namespace hel::interp {

// An error that stops the script: a compile error in a kernel (exit 65), a
// run-time error (70) or a failed check such as an assert (1).
struct ScriptError {
  ExitStatus status;
  Diagnostic diagnostic;  // its notes say where the failing functions were called
};

[[noreturn]] void throwError(ExitStatus status, SourceRange range, std::string message);

// Runs `body`, turning a tensor library error into a run-time error at `range`.
template <typename Body>
auto guarded(SourceRange range, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const RuntimeError& error) {
    throwError(kExitRuntimeError, range, error.what());
  }
}

// Stops the script with a message of support/Diagnostics.def.
template <typename... Args>
[[noreturn]] void throwDiagnostic(ExitStatus status, diag::Id id, SourceRange range, const Args&... args) {
  throw ScriptError{status, DiagnosticEngine::make(id, range, args...)};
}

// A variable scope: a function's locals, or a module's globals. Python's rules:
// assignment binds in the innermost scope, lookup walks outwards.
struct Scope {
  explicit Scope(std::shared_ptr<Scope> parent) : parent(std::move(parent)) {}
  Value* lookup(const std::string& name);
  std::unordered_map<std::string, Value> variables;
  std::shared_ptr<Scope> parent;
};

// The arguments of one call, already evaluated.
struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::string> keywordNames;
  std::vector<Value> keywordValues;
  SourceRange range;  // the call expression
  // Where each keyword argument was written (for messages about one of them);
  // empty in calls that hel makes itself.
  std::vector<SourceRange> keywordRanges;
  SourceRange keywordRange(size_t i) const { return i < keywordRanges.size() ? keywordRanges[i] : range; }
};

// A user function or lambda, closed over the scope it was defined in.
struct FunctionObject : Object {
  std::string typeName() const override { return "function"; }
  std::string repr() const override { return "<function " + name + ">"; }
  std::string name;
  const ast::FunctionDef* def = nullptr;  // one of def / lambda
  const ast::Lambda* lambda = nullptr;
  std::shared_ptr<Scope> closure;
  std::vector<Value> defaults;     // per parameter; None where there is none
  std::vector<bool> hasDefault;
  std::vector<Value> annotations;  // per parameter; None where there is none
  Value returnAnnotation;
  const std::vector<ast::Param>& params() const { return def ? def->params : lambda->params; }
  SourceRange range() const { return def ? def->nameRange : lambda->range; }
};

// A builtin from sema/Builtins.def, implemented by the interpreter.
struct BuiltinObject : Object {
  explicit BuiltinObject(const sema::Builtin* builtin) : builtin(builtin) {}
  std::string typeName() const override { return "builtin_function_or_method"; }
  std::string repr() const override { return "<built-in function " + std::string(builtin->name()) + ">"; }
  const sema::Builtin* builtin;
};

// `x.sum` before it is called: a method with its receiver.
struct BoundMethodObject : Object {
  BoundMethodObject(Value self, Value function) : self(std::move(self)), function(std::move(function)) {}
  std::string typeName() const override { return "method"; }
  Value self;
  Value function;
};

// A native callable made at run time (a decorator with its arguments bound).
struct NativeObject : Object {
  using Fn = std::function<Value(CallArgs&)>;
  NativeObject(std::string name, Fn fn) : name(std::move(name)), fn(std::move(fn)) {}
  std::string typeName() const override { return "builtin_function_or_method"; }
  std::string repr() const override { return "<built-in function " + name + ">"; }
  std::string name;
  Fn fn;
};

class DeviceLauncher;
class GpuRunner;
struct FirstLaunch;
struct LoopTuning;

struct RunOptions {
  Device device = Device::cpu();  // where `device="cuda"` tensors live
  bool quiet = false;  // print() writes nothing
  // Tile IR passes for device loops (nullopt: the whole pipeline), and a hook
  // that sees each newly compiled loop.
  std::optional<std::vector<std::string>> passes;
  std::function<void(const tir::Module&)> onCompiled;
  // Kernels run on this GPU when set, else on the CPU backend.
  GpuRunner* gpu = nullptr;
  // `hel bench`: sees each device loop specialization once, before its first launch
  // (LaunchTiming.h).
  std::function<void(const FirstLaunch&)> onFirstLaunch;
  // `--config 'block_sizes=[16],num_warps=2'`: the arguments of a helion.Config
  // that replaces the config of every kernel (of `configKernel` only, if set).
  std::string configOverride;
  std::string configKernel;
  // `--save-case DIR`: check_case also writes its inputs and the kernel's outputs
  // there as a reference-data case (to compare one device's results with another's).
  std::string saveCase;
  // The script's tune file (runtime/tune/TuneFile.h): a kernel called without a config
  // runs each device loop with the config stored for it, if any.
  const tune::TuneFile* tuneFile = nullptr;
  // `hel tune` and --autotune: sees each device loop specialization once, before its first
  // launch (and before onFirstLaunch); the loop runs with the config it returns, or as it
  // was compiled when it returns nullopt (LoopTuning.h).
  std::function<std::optional<tune::LoopConfig>(const LoopTuning&)> tuneLoop;
};

class Interpreter {
 public:
  Interpreter(SourceManager& sources, DiagnosticEngine& diags, RunOptions options);
  ~Interpreter();

  // Runs a script; reports any error and returns the exit status.
  int runFile(const SourceFile& file, const ast::Module& module);
  // `hel run FILE --kernel K --data CASE`: runs the script's top-level
  // statements except bare expressions (so definitions and data set-up run,
  // but not calls such as `test_kernel(...)`), then the harness's
  // check_case(K, caseDir). Reports any error and returns the exit status.
  int runCase(const SourceFile& file, const ast::Module& module, const std::string& function,
              const std::string& caseDir);
  // `hel emit --kernel K --args 'x=f32[8192],n=4'`: runs the script's
  // definitions (as runCase), then calls K once with meta tensors of those
  // dtypes and shapes (and the numbers given), by parameter name.
  int runWithArgs(const SourceFile& file, const ast::Module& module, const std::string& function,
                  const std::string& args);
  // The builtins and modules a script can use, for name resolution.
  sema::KnownNames knownNames() const;
  // The config that RunOptions::configOverride gives `kernel`, or null.
  const struct ConfigObject* configOverride(const std::string& kernel);

  Value call(const Value& callee, CallArgs& args);
  // Python's str() and repr().
  std::string str(const Value& value);
  std::string repr(const Value& value);
  bool truthy(const Value& value, SourceRange range);

  const RunOptions& options() const { return options_; }
  DiagnosticEngine& diags() { return diags_; }
  // Checks counted by the harness (`hel test` sums them over files).
  int checksPassed = 0;
  int checksFailed = 0;

 private:
  enum class Flow { Normal, Break, Continue, Return };
  struct Frame {
    std::shared_ptr<Scope> scope;
    Value returnValue;
    // Set while running the host part of a kernel: device loops launch.
    struct KernelCall* kernel = nullptr;
  };

  friend class HostBuiltins;
  friend class KernelRunner;

  int runScript(const SourceFile& file, const std::function<void(Frame&)>& body);
  // Runs a script's top-level statements except bare expressions, and returns
  // its function `function` (a usage error naming its kernels if none).
  Value runDefinitions(const SourceFile& file, const ast::Module& module, const std::string& function, Frame& frame);
  void loadStdlib();
  void traceCall(ScriptError& error, const std::string& function, SourceRange call) const;
  void defineModules();
  Value importModule(const std::string& name, SourceRange range);

  Flow execBlock(const ast::StmtList& body, Frame& frame);
  Flow exec(const ast::Stmt& stmt, Frame& frame);
  void execFor(const ast::For& loop, Frame& frame, Flow& flow);
  void execFunctionDef(const ast::FunctionDef& def, Frame& frame);
  void assign(const ast::Expr& target, const Value& value, Frame& frame);

  Value eval(const ast::Expr& expr, Frame& frame);
  Value evalName(const ast::Name& name, Frame& frame);
  Value evalCall(const ast::Call& call, Frame& frame);
  Value evalAttribute(const ast::Attribute& attribute, Frame& frame);
  Value evalSubscript(const ast::Subscript& subscript, Frame& frame);
  Value evalFString(const ast::FString& fstring, Frame& frame);
  Value evalCompare(const ast::Compare& compare, Frame& frame);

 public:
  Value binaryOp(ast::BinOpKind op, const Value& left, const Value& right, SourceRange range);
  Value unaryOp(ast::UnaryOpKind op, const Value& operand, SourceRange range);
  bool compareOp(ast::CmpOpKind op, const Value& left, const Value& right, SourceRange range, Value* tensorResult);
  Value attribute(const Value& object, const std::string& name, SourceRange range);
  Value subscript(const Value& object, const Value& index, SourceRange range);
  void setSubscript(const Value& object, const Value& index, const Value& value, SourceRange range);
  std::vector<Value> iterate(const Value& iterable, SourceRange range);
  std::string format(const Value& value, const std::string& spec, SourceRange range);
  Value makeFunction(const ast::FunctionDef* def, const ast::Lambda* lambda, Frame& frame);
  Value callFunction(const FunctionObject& function, CallArgs& args, struct KernelCall* kernel = nullptr);
  Value module(const std::string& name);
  std::shared_ptr<Scope> globals() const { return globals_; }
  const SourceFile* scriptFile() const { return scriptFile_; }

 private:
  SourceManager& sources_;
  DiagnosticEngine& diags_;
  RunOptions options_;
  std::shared_ptr<Scope> builtins_;
  std::shared_ptr<Scope> globals_;
  std::unordered_map<std::string, Value> modules_;
  std::unique_ptr<ast::Module> stdlibModule_;
  std::unique_ptr<ast::Module> overrideModule_;
  Value overrideConfig_;
  const SourceFile* stdlibFile_ = nullptr;
  const SourceFile* scriptFile_ = nullptr;
  std::unique_ptr<class HostBuiltins> hostBuiltins_;

 public:
  std::unique_ptr<DeviceLauncher> launcher;
};

}  // namespace hel::interp
