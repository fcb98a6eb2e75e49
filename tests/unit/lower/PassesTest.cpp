// Each pass on small inputs: the whole output text is checked.
#include <catch2/catch.hpp>

#include "lower/IRPrinter.h"
#include "lower/Pipeline.h"
#include "tests/unit/lower/SampleKernels.h"
#include "tests/unit/lower/TirTestUtil.h"

using namespace hel;
using namespace hel::tir;
using hel::tir::testing::afterPasses;

namespace {

// How many loads and stores of the kernel, after the whole pipeline, keep a mask.
int maskedAccesses(std::unique_ptr<Kernel> kernel) {
  Module module;
  module.kernels.push_back(std::move(kernel));
  std::string problem = runPasses(module);
  INFO(problem);
  REQUIRE(problem.empty());
  int masked = 0;
  walk(module.kernels[0]->body, [&](const Op& op) {
    if ((op.kind() == OpKind::Load && op.operands().size() > 2) ||
        (op.kind() == OpKind::Store && op.operands().size() > 3))
      ++masked;
  });
  return masked;
}

}  // namespace

TEST_CASE("the pipeline drops the masks exactly where the sizes divide the block sizes") {
  CHECK(maskedAccesses(samples::vectorAdd(8192, 32)) == 0);
  CHECK(maskedAccesses(samples::vectorAdd(8200, 32)) == 3);
  CHECK(maskedAccesses(samples::outerAdd(128, 64, 32, 16)) == 0);
  CHECK(maskedAccesses(samples::outerAdd(128, 60, 32, 16)) == 2);  // y's load and the store
  CHECK(maskedAccesses(samples::matmul(128, 96, 64, 32, 32, 16)) == 0);
  CHECK(maskedAccesses(samples::matmul(128, 96, 72, 32, 32, 16)) == 2);  // both K-loop loads
  CHECK(maskedAccesses(samples::rowReduce(ReduceOp::Max, 64, 1024, 8, 128)) == 0);
}

TEST_CASE("runPasses names an unknown pass") {
  Module module;
  CHECK(runPasses(module, {"dce", "unrolling"}) == "unknown pass 'unrolling'");
  CHECK(findPass("licm") != nullptr);
  CHECK(pipeline().front().name == std::string("canonicalize"));
}

TEST_CASE("canonicalize folds constants through ops and shapes, in the ops' dtypes") {
  const char* input =
      R"(kernel @k(%p: ptr<f32>, %q: ptr<i32>, %x: i32, %f: f32) grid [128 / 32] {num_warps = 4, num_stages = 1, pid_type = "flat"} {
  %six = const {value = 6} : i32
  %seven = const {value = 7} : i32
  %prod = mul %six, %seven : i32
  %zero = const {value = 0} : i32
  # Left to fault at run time:
  %div = floor_divide %seven, %zero : i32
  %mod = remainder %six, %x : i32
  %negmod = remainder %prod, %six : i32
  %one16 = const {value = 1.0} : f16
  %tiny16 = const {value = 0.0001} : f16
  # Rounded to f16: 1.0
  %sum16 = add %one16, %tiny16 : f16
  %tile = splat %prod : <4xi32>
  %b = expand_dims %tile {axis = 0} : <1x4xi32>
  %bb = broadcast %b : <3x4xi32>
  %xt = splat %x : <3x4xi32>
  %s = add %bb, %xt : <3x4xi32>
  %fl = const {value = 3.7} : f32
  %i = cast %fl : i32
  %m1 = const {value = -1} : i32
  %u = cast %m1 : u8
  %e = exp %fl : f32
  %n0 = const {value = -0.0} : f32
  %p0 = const {value = 0.0} : f32
  %a1 = add %f, %n0 : f32
  # Kept: -0.0 + 0.0 is 0.0
  %a2 = add %f, %p0 : f32
  %onef = const {value = 1.0} : f32
  %a3 = mul %onef, %f : f32
  %a4 = mul %x, %zero : i32
  %a5 = sub %x, %x : i32
  %a6 = eq %x, %x : i1
  # Kept: NaN != NaN
  %a7 = eq %f, %f : i1
  %a8 = add %zero, %x : i32
  %a9 = add %seven, %x : i32
  %t = const {value = 1} : i1
  %sel = select %t, %a1, %a2 : f32
  %sel2 = select %a7, %a3, %a3 : f32
  %isn = isnan %n0 : i1
  print %prod, %div, %mod, %negmod, %sum16, %s, %i, %u, %e, %a1, %a2, %a3, %a4, %a5, %a6, %a7, %a8, %a9, %sel, %sel2, %isn {format = ""}
  return
}
)";
  CHECK(
      afterPasses(input, {"canonicalize"}) ==
      R"(kernel @k(%p: ptr<f32>, %q: ptr<i32>, %x: i32, %f: f32) grid [128 / 32] {num_warps = 4, num_stages = 1, pid_type = "flat"} {
  %six = const {value = 6} : i32
  %seven = const {value = 7} : i32
  %prod = const {value = 42} : i32
  %zero = const {value = 0} : i32
  %div = floor_divide %seven, %zero : i32
  %mod = remainder %six, %x : i32
  %negmod = const {value = 0} : i32
  %one16 = const {value = 1.0} : f16
  %tiny16 = const {value = 0.0001} : f16
  %sum16 = const {value = 1.0} : f16
  %tile = const {value = 42} : <4xi32>
  %b = const {value = 42} : <1x4xi32>
  %bb = const {value = 42} : <3x4xi32>
  %xt = splat %x : <3x4xi32>
  %s = add %xt, %bb : <3x4xi32>
  %fl = const {value = 3.7} : f32
  %i = const {value = 3} : i32
  %m1 = const {value = -1} : i32
  %u = const {value = 255} : u8
  %e = const {value = 40.44730758666992} : f32
  %n0 = const {value = -0.0} : f32
  %p0 = const {value = 0.0} : f32
  %a2 = add %f, %p0 : f32
  %onef = const {value = 1.0} : f32
  %a4 = const {value = 0} : i32
  %a5 = const {value = 0} : i32
  %a6 = const {value = 1} : i1
  %a7 = eq %f, %f : i1
  %a9 = add %x, %seven : i32
  %t = const {value = 1} : i1
  %isn = const {value = 0} : i1
  print %prod, %div, %mod, %negmod, %sum16, %s, %i, %u, %e, %f, %a2, %f, %a4, %a5, %a6, %a7, %x, %a9, %f, %f, %isn {format = ""}
  return
}
)");
}

TEST_CASE("cse merges equal pure ops that are visible, not loads nor ops of sibling regions") {
  const char* input =
      R"(kernel @k(%p: ptr<f32>, %n: i32) grid [64 / 16] {num_warps = 4, num_stages = 1, pid_type = "flat"} {
  %i = arange {start = 0, end = 16} : <16xi32>
  %j = arange {start = 0, end = 16} : <16xi32>
  %a = load %p, %i : <16xf32>
  %b = load %p, %j : <16xf32>
  %s1 = add %a, %b : <16xf32>
  %s2 = add %a, %b : <16xf32>
  %r1 = reduce %s1 {op = "sum", axis = 0} : f32
  %r2 = reduce %s2 {op = "max", axis = 0} : f32
  %z = const {value = 0} : i32
  %one = const {value = 1} : i32
  for %z, %n, %one {
  ^bb(%k: i32):
    %again = arange {start = 0, end = 16} : <16xi32>
    %kk = splat %k : <16xi32>
    %o = add %again, %kk : <16xi32>
    %sum = add %a, %b : <16xf32>
    store %p, %o, %sum
    yield
  }
  %c = const {value = 1} : <1xi1>
  %t = const {value = 1} : i1
  %x = if %t : <16xf32> {
    %u = mul %a, %b : <16xf32>
    yield %u
  } else {
    %v = mul %a, %b : <16xf32>
    yield %v
  }
  print %r1, %r2, %x {format = "r"}
  return
}
)";
  CHECK(afterPasses(input, {"cse"}) ==
        R"(kernel @k(%p: ptr<f32>, %n: i32) grid [64 / 16] {num_warps = 4, num_stages = 1, pid_type = "flat"} {
  %i = arange {start = 0, end = 16} : <16xi32>
  %a = load %p, %i : <16xf32>
  %b = load %p, %i : <16xf32>
  %s1 = add %a, %b : <16xf32>
  %r1 = reduce %s1 {op = "sum", axis = 0} : f32
  %r2 = reduce %s1 {op = "max", axis = 0} : f32
  %z = const {value = 0} : i32
  %one = const {value = 1} : i32
  for %z, %n, %one {
  ^bb(%k: i32):
    %kk = splat %k : <16xi32>
    %o = add %i, %kk : <16xi32>
    store %p, %o, %s1
    yield
  }
  %c = const {value = 1} : <1xi1>
  %t = const {value = 1} : i1
  %x = if %t : <16xf32> {
    %u = mul %a, %b : <16xf32>
    yield %u
  } else {
    %v = mul %a, %b : <16xf32>
    yield %v
  }
  print %r1, %r2, %x {format = "r"}
  return
}
)");
}

TEST_CASE("licm hoists invariant pure ops out of nested loops, not loads") {
  const char* input =
      R"(kernel @k(%p: ptr<f32>, %n: i32) grid [64 / 16] {num_warps = 4, num_stages = 1, pid_type = "flat"} {
  %z = const {value = 0} : i32
  %one = const {value = 1} : i32
  %init = const {value = 0.0} : <16xf32>
  %r = for %z, %n, %one, %init : <16xf32> {
  ^bb(%i: i32, %acc: <16xf32>):
    %s = for %z, %n, %one, %acc : <16xf32> {
    ^bb(%j: i32, %acc2: <16xf32>):
      %base = arange {start = 0, end = 16} : <16xi32>
      %pid = program_id {axis = 0} : i32
      %off = mul %pid, %n : i32
      %offt = splat %off : <16xi32>
      %idx = add %base, %offt : <16xi32>
      %x = load %p, %idx : <16xf32>
      %it = splat %i : <16xi32>
      %idx2 = add %idx, %it : <16xi32>
      %y = load %p, %idx2 : <16xf32>
      %xy = add %x, %y : <16xf32>
      %next = add %acc2, %xy : <16xf32>
      yield %next
    }
    yield %s
  }
  %o = arange {start = 0, end = 16} : <16xi32>
  store %p, %o, %r
  return
}
)";
  CHECK(afterPasses(input, {"licm"}) ==
        R"(kernel @k(%p: ptr<f32>, %n: i32) grid [64 / 16] {num_warps = 4, num_stages = 1, pid_type = "flat"} {
  %z = const {value = 0} : i32
  %one = const {value = 1} : i32
  %init = const {value = 0.0} : <16xf32>
  %base = arange {start = 0, end = 16} : <16xi32>
  %pid = program_id {axis = 0} : i32
  %off = mul %pid, %n : i32
  %offt = splat %off : <16xi32>
  %idx = add %base, %offt : <16xi32>
  %r = for %z, %n, %one, %init : <16xf32> {
  ^bb(%i: i32, %acc: <16xf32>):
    %it = splat %i : <16xi32>
    %idx2 = add %idx, %it : <16xi32>
    %s = for %z, %n, %one, %acc : <16xf32> {
    ^bb(%j: i32, %acc2: <16xf32>):
      %x = load %p, %idx : <16xf32>
      %y = load %p, %idx2 : <16xf32>
      %xy = add %x, %y : <16xf32>
      %next = add %acc2, %xy : <16xf32>
      yield %next
    }
    yield %s
  }
  %o = arange {start = 0, end = 16} : <16xi32>
  store %p, %o, %r
  return
}
)");
}

TEST_CASE("dce removes unused ops without side effects, loops of loads too, and keeps writes") {
  const char* input =
      R"(kernel @k(%p: ptr<f32>, %n: i32) grid [64 / 16] {num_warps = 4, num_stages = 1, pid_type = "flat"} {
  %z = const {value = 0} : i32
  %one = const {value = 1} : i32
  %i = arange {start = 0, end = 16} : <16xi32>
  %unused = mul %i, %i : <16xi32>
  %chain = add %unused, %i : <16xi32>
  %x = load %p, %i : <16xf32>
  %dead = for %z, %n, %one, %x : <16xf32> {
  ^bb(%k: i32, %acc: <16xf32>):
    %y = load %p, %i : <16xf32>
    %a = add %acc, %y : <16xf32>
    yield %a
  }
  for %z, %n, %one {
  ^bb(%k2: i32):
    %w = const {value = 2.0} : <16xf32>
    %unusedinner = add %w, %w : <16xf32>
    store %p, %i, %w
    yield
  }
  %t = const {value = 1} : i1
  %q = if %t : f32 {
    %fone = const {value = 1.0} : f32
    %old = atomic %p, %z, %fone {op = "add"} : f32
    yield %old
  } else {
    %zf = const {value = 0.0} : f32
    yield %zf
  }
  return
}
)";
  CHECK(afterPasses(input, {"dce"}) ==
        R"(kernel @k(%p: ptr<f32>, %n: i32) grid [64 / 16] {num_warps = 4, num_stages = 1, pid_type = "flat"} {
  %z = const {value = 0} : i32
  %one = const {value = 1} : i32
  %i = arange {start = 0, end = 16} : <16xi32>
  for %z, %n, %one {
  ^bb(%k2: i32):
    %w = const {value = 2.0} : <16xf32>
    store %p, %i, %w
    yield
  }
  %t = const {value = 1} : i1
  %q = if %t : f32 {
    %fone = const {value = 1.0} : f32
    %old = atomic %p, %z, %fone {op = "add"} : f32
    yield %old
  } else {
    %zf = const {value = 0.0} : f32
    yield %zf
  }
  return
}
)");
}

TEST_CASE("mask-elimination decides comparisons by ranges and drops all-true masks") {
  const char* input =
      R"(kernel @k(%a: ptr<f32>, %n: i32) grid [1 / 64, 4096 / 64] {num_warps = 4, num_stages = 1, pid_type = "flat"} {
  %pid = program_id {axis = 0} : i32
  %pid1 = program_id {axis = 1} : i32
  %z = const {value = 0} : i32
  %k = const {value = 1000} : i32
  %step = const {value = 16} : i32
  %kk = const {value = 1024} : i32
  %r = arange {start = 0, end = 16} : <16xi32>
  %lim = const {value = 1000} : <16xi32>
  %lim2 = const {value = 1024} : <16xi32>
  # i <= 992: the last tile reaches 1007, so the mask stays
  for %z, %k, %step {
  ^bb(%i: i32):
    %it = splat %i : <16xi32>
    %o = add %it, %r : <16xi32>
    %m = lt %o, %lim : <16xi1>
    %v = load %a, %o, %m : <16xf32>
    store %a, %o, %v, %m
    yield
  }
  # j <= 1008: 0 <= o2 <= 1023 < 1024
  for %z, %kk, %step {
  ^bb(%j: i32):
    %jt = splat %j : <16xi32>
    %o2 = add %jt, %r : <16xi32>
    %m2 = lt %o2, %lim2 : <16xi1>
    %zt = splat %z : <16xi32>
    %ge = ge %o2, %zt : <16xi1>
    %both = logical_and %m2, %ge : <16xi1>
    %other = const {value = 1.0} : <16xf32>
    %v2 = load %a, %o2, %both, %other : <16xf32>
    store %a, %o2, %v2, %both
    yield
  }
  %np = splat %n : <16xi32>
  %dyn = lt %r, %np : <16xi1>
  %w = load %a, %r, %dyn : <16xf32>
  %s = mul %pid, %pid1 : i32
  %b = remainder %pid1, %step : i32
  %c = lt %b, %step : i1
  print %s, %w, %c {format = ""}
  return
}
)";
  CHECK(
      afterPasses(input, {"mask-elimination"}) ==
      R"(kernel @k(%a: ptr<f32>, %n: i32) grid [1 / 64, 4096 / 64] {num_warps = 4, num_stages = 1, pid_type = "flat"} {
  %pid = const {value = 0} : i32
  %pid1 = program_id {axis = 1} : i32
  %z = const {value = 0} : i32
  %k = const {value = 1000} : i32
  %step = const {value = 16} : i32
  %kk = const {value = 1024} : i32
  %r = arange {start = 0, end = 16} : <16xi32>
  %lim = const {value = 1000} : <16xi32>
  %lim2 = const {value = 1024} : <16xi32>
  for %z, %k, %step {
  ^bb(%i: i32):
    %it = splat %i : <16xi32>
    %o = add %it, %r : <16xi32>
    %m = lt %o, %lim : <16xi1>
    %v = load %a, %o, %m : <16xf32>
    store %a, %o, %v, %m
    yield
  }
  for %z, %kk, %step {
  ^bb(%j: i32):
    %jt = splat %j : <16xi32>
    %o2 = add %jt, %r : <16xi32>
    %m2 = const {value = 1} : <16xi1>
    %zt = const {value = 0} : <16xi32>
    %ge = const {value = 1} : <16xi1>
    %both = const {value = 1} : <16xi1>
    %other = const {value = 1.0} : <16xf32>
    %v2 = load %a, %o2 : <16xf32>
    store %a, %o2, %v2
    yield
  }
  %np = splat %n : <16xi32>
  %dyn = lt %r, %np : <16xi1>
  %w = load %a, %r, %dyn : <16xf32>
  %s = const {value = 0} : i32
  %b = remainder %pid1, %step : i32
  %c = const {value = 1} : i1
  print %s, %w, %c {format = ""}
  return
}
)");
}

TEST_CASE("licm leaves integer divisions by what may be zero in loops that may not run") {
  std::string kernel =
      "kernel @k(%out: ptr<i32>, %n: i32) grid [1 / 1] {num_warps = 4, num_stages = 1, pid_type = \"flat\"} {\n"
      "  %zero = const {value = 0} : i32\n"
      "  %two = const {value = 2} : i32\n"
      "  for %zero, %n, %two {\n"
      "  ^bb(%i: i32):\n"
      "    %q = floor_divide %two, %n : i32\n"
      "    %h = floor_divide %n, %two : i32\n"
      "    store %out, %h, %q\n"
      "    yield\n"
      "  }\n"
      "  return\n"
      "}\n";
  std::string hoisted = afterPasses(kernel, {"licm"});
  CHECK(hoisted.find("  %h = floor_divide %n, %two : i32\n  for") != std::string::npos);
  CHECK(hoisted.find("    %q = floor_divide %two, %n : i32\n") != std::string::npos);
}
