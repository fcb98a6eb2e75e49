// Static name resolution (sema/Resolve.h): Python's scoping, imports, members.
#include <catch2/catch.hpp>

#include "parser/Parser.h"
#include "sema/Resolve.h"
#include "sema/Suggest.h"

using namespace hel;

namespace {

sema::KnownNames world() {
  sema::KnownNames known;
  known.builtins = {"print", "len", "range", "int", "test_kernel"};
  known.modules["torch"] = {"exp", "randn", "nn", "float32"};
  known.modules["torch.nn"] = {"functional"};
  known.modules["torch.nn.functional"] = {"relu"};
  known.modules["math"] = {"sqrt", "pi"};
  known.modules["_internal"] = {"hook"};
  return known;
}

// Every message (with its notes, as "message | note") that resolving `text` reports.
std::vector<std::string> resolve(const std::string& text) {
  SourceFile file("t.hel", text);
  std::vector<std::string> messages;
  DiagnosticEngine diags([&](const Diagnostic& d) {
    std::string message = d.message;
    for (const Diagnostic& note : d.notes) message += " | " + note.message;
    messages.push_back(message);
  });
  std::unique_ptr<ast::Module> module = parseModule(file, diags);
  REQUIRE(module);
  sema::resolveNames(*module, world(), diags);
  return messages;
}

using Messages = std::vector<std::string>;

}  // namespace

TEST_CASE("names bound anywhere in their scope resolve, as in Python") {
  CHECK(resolve("def f(a, *args, k=1, **kw):\n"
                "    for i, (j, *rest) in range(3):\n"
                "        total: int = a + i + j + k + later\n"
                "    total += len(args) + len(kw) + len(rest)\n"
                "    g = lambda x, y=total: x + y + a\n"
                "    def h():\n"
                "        return g(total)\n"
                "    return h\n"
                "later = 1\n"
                "for _ in range(2):\n"
                "    print(_)\n"
                "if later:\n"
                "    defined_in_branch = 2\n"
                "print(defined_in_branch, f)\n")
            .empty());
}

TEST_CASE("an unknown name is reported once, with the closest visible name") {
  CHECK(resolve("value = 1\nprint(valeu)\nprint(valeu)\n") ==
        Messages{"name 'valeu' is not defined | did you mean 'value'?"});
  CHECK(resolve("def f(count):\n    return cuont\n") ==
        Messages{"name 'cuont' is not defined | did you mean 'count'?"});
  CHECK(resolve("prnit(1)\n") == Messages{"name 'prnit' is not defined | did you mean 'print'?"});
  CHECK(resolve("xyz\n") == Messages{"name 'xyz' is not defined"});
}

TEST_CASE("a function's locals are not visible outside it, nor in sibling functions") {
  CHECK(resolve("def f():\n    inner = 1\ndef g():\n    return inner\n") == Messages{"name 'inner' is not defined"});
  CHECK(resolve("h = lambda q: q\nprint(q)\n") == Messages{"name 'q' is not defined"});
}

TEST_CASE("defaults, annotations and decorators are resolved in the enclosing scope") {
  CHECK(resolve("def f(x=x):\n    return x\n") == Messages{"name 'x' is not defined"});
  CHECK(resolve("@decorate\ndef f():\n    pass\n") == Messages{"name 'decorate' is not defined"});
}

TEST_CASE("imports must name known modules and members") {
  CHECK(resolve("import torch\nimport torch.nn.functional as F\nfrom math import sqrt as root\n"
                "import _internal\nprint(torch.exp, F.relu, root, torch.nn.functional.relu, _internal.hook)\n")
            .empty());
  CHECK(resolve("import trch\n") ==
        Messages{"no module named 'trch' (available: math, torch, torch.nn, torch.nn.functional) | did you mean "
                 "'torch'?"});
  CHECK(resolve("from math import sqrtt\n") ==
        Messages{"cannot import name 'sqrtt' from 'math' | did you mean 'sqrt'?"});
  CHECK(resolve("import torch\ntorch.exmp(1)\n") ==
        Messages{"module 'torch' has no attribute 'exmp' | did you mean 'exp'?"});
  CHECK(resolve("from torch import nn\nnn.functional.rleu(1)\n") ==
        Messages{"module 'torch.nn.functional' has no attribute 'rleu' | did you mean 'relu'?"});
}

TEST_CASE("attributes are only checked on names that surely hold a module") {
  // `t` may be the module or a number; a call's result is not a module.
  CHECK(resolve("import torch\nt = torch\nt = 1\nprint(t.anything, torch.randn(2).anything)\n").empty());
  CHECK(resolve("import torch\ndef f(torch):\n    return torch.anything\n").empty());
  CHECK(resolve("from math import *\nprint(sqrt(pi))\n").empty());
}

TEST_CASE("suggestions allow a swap of neighbours, within a length-scaled distance") {
  CHECK(sema::editDistance("relu", "rleu") == 1);
  CHECK(sema::editDistance("kitten", "sitting") == 3);
  CHECK(sema::closestName("tile_n", {"tile_m", "tile_n2"}) == std::string("tile_m"));
  CHECK_FALSE(sema::closestName("foo", {"bar", "baz"}));
}
