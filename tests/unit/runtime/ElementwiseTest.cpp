#include <cmath>

#include "TestUtil.h"
#include "runtime/Creation.h"
#include "runtime/Errors.h"
#include "runtime/TensorOps.h"

using namespace hel;
using hel::test::make;
using hel::test::values;

TEST_CASE("broadcast shapes and errors", "[elementwise][broadcast]") {
  CHECK(broadcastShapes({3, 1}, {4}) == Shape{3, 4});
  CHECK(broadcastShapes({2, 1, 5}, {3, 1}) == Shape{2, 3, 5});
  CHECK(broadcastShapes({}, {2, 3}) == Shape{2, 3});
  CHECK(broadcastShapes({0}, {1}) == Shape{0});
  CHECK(broadcastShapes({1, 0}, {5, 1}) == Shape{5, 0});
  CHECK_THROWS_WITH(broadcastShapes({3}, {4}),
                    "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0");
  CHECK_THROWS_WITH(broadcastShapes({2, 3}, {4, 2, 4}),
                    "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 2");
  CHECK_THROWS_WITH(broadcastShapes({0}, {2}),
                    "The size of tensor a (0) must match the size of tensor b (2) at non-singleton dimension 0");

  // The seed's outer add: x[None, :] + y[:, None].
  Tensor x = make({1, 2, 3}), y = make({10, 20});
  Tensor outer = binary(BinaryOp::Add, x.unsqueeze(0), y.unsqueeze(1));
  CHECK(outer.shape() == Shape{2, 3});
  CHECK(values(outer) == std::vector<double>{11, 12, 13, 21, 22, 23});
  CHECK_THROWS_WITH(binary(BinaryOp::Mul, make({1, 2, 3}), make({1, 2, 3, 4})),
                    "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 0");
}

TEST_CASE("result dtypes of binary ops follow PyTorch", "[elementwise][promotion]") {
  Tensor i32 = make({1, 2}, DType::Int32), i64 = make({1, 2}, DType::Int64), f16 = make({1, 2}, DType::Float16);
  Tensor b = make({1, 0}, DType::Bool), u8 = make({1, 2}, DType::UInt8), i8 = make({1, 2}, DType::Int8);
  CHECK(binary(BinaryOp::Add, i32, 1.5).dtype() == DType::Float32);
  CHECK(values(binary(BinaryOp::Add, i32, 1.5)) == std::vector<double>{2.5, 3.5});
  CHECK(binary(BinaryOp::Add, i32, 1).dtype() == DType::Int32);
  CHECK(binary(BinaryOp::Add, i32, i64).dtype() == DType::Int64);
  CHECK(binary(BinaryOp::Add, u8, i8).dtype() == DType::Int16);
  CHECK(binary(BinaryOp::Mul, f16, 1e5).dtype() == DType::Float16);
  CHECK(std::isinf(values(binary(BinaryOp::Mul, f16, 1e5))[0]));
  CHECK(binary(BinaryOp::Add, f16, make({1, 2}, DType::BFloat16)).dtype() == DType::Float32);
  CHECK(binary(BinaryOp::Add, i32, full({}, 1.0, DType::Float64)).dtype() == DType::Float64);
  CHECK(binary(BinaryOp::Add, make({1.0f}), full({}, 1.0, DType::Float64)).dtype() == DType::Float32);
  CHECK(binary(BinaryOp::Add, b, b).dtype() == DType::Bool);
  CHECK(values(binary(BinaryOp::Add, b, b)) == std::vector<double>{1, 0});
  CHECK(binary(BinaryOp::Add, b, 1).dtype() == DType::Int64);
  CHECK(binary(BinaryOp::Mul, b, 2.5).dtype() == DType::Float32);
  CHECK(binary(BinaryOp::Div, i32, i32).dtype() == DType::Float32);
  CHECK(values(binary(BinaryOp::Div, make({1, 3}, DType::Int64), 2)) == std::vector<double>{0.5, 1.5});
  CHECK(binary(BinaryOp::Div, f16, 2).dtype() == DType::Float16);
  CHECK(binary(BinaryOp::Atan2, i32, i32).dtype() == DType::Float32);
  CHECK(binary(BinaryOp::Lt, i32, 1.5).dtype() == DType::Bool);
  CHECK(values(binary(BinaryOp::Eq, i32, 1.5)) == std::vector<double>{0, 0});
  CHECK(values(binary(BinaryOp::Le, i32, 1.5)) == std::vector<double>{1, 0});
  CHECK(binary(BinaryOp::LogicalAnd, make({0.5, 0}), 2).dtype() == DType::Bool);
  CHECK(values(binary(BinaryOp::LogicalXor, make({0.5, 0}), make({1, 0}))) == std::vector<double>{0, 0});
  CHECK(binary(BinaryOp::Pow, i64, 2).dtype() == DType::Int64);
  CHECK(binary(BinaryOp::Pow, i64, 0.5).dtype() == DType::Float32);
  // A Python scalar on the left.
  Tensor r = binary(BinaryOp::Sub, 10, i32);
  CHECK(r.dtype() == DType::Int32);
  CHECK(values(r) == std::vector<double>{9, 8});
  CHECK(values(binary(BinaryOp::Pow, 2, make({3, 4}, DType::Int64))) == std::vector<double>{8, 16});
  CHECK_THROWS_WITH(binary(BinaryOp::Add, 1, 2), "add: at least one operand must be a tensor");
}

TEST_CASE("float16 and float32 arithmetic rounds like PyTorch", "[elementwise]") {
  // float32 ops compute in float32: 0.1f + 0.2f, not the double sum rounded.
  CHECK(values(binary(BinaryOp::Add, make({0.1}), make({0.2})))[0] == static_cast<double>(0.1f + 0.2f));
  // float16 rounds each result: 1 + 0.0004 is 1 in float16.
  Tensor h = binary(BinaryOp::Add, make({1}, DType::Float16), make({0.0004}, DType::Float16));
  CHECK(values(h)[0] == 1.0);
  Tensor third = binary(BinaryOp::Div, make({1}, DType::Float16), 3);
  CHECK(values(third)[0] == 0.333251953125);
  Tensor bf = binary(BinaryOp::Mul, make({3}, DType::BFloat16), make({1.0 / 3}, DType::BFloat16));
  CHECK(values(bf)[0] == 1.0);
}

TEST_CASE("integer // % >> on tensors follow Python's sign rules", "[elementwise][integer]") {
  Tensor x = make({-7, 7, -7, 7}, DType::Int64);
  Tensor d = make({2, 2, -2, -2}, DType::Int64);
  CHECK(values(binary(BinaryOp::FloorDiv, x, d)) == std::vector<double>{-4, 3, 3, -4});
  CHECK(values(binary(BinaryOp::Mod, x, d)) == std::vector<double>{1, 1, -1, -1});
  CHECK(values(binary(BinaryOp::Mod, x, 3)) == std::vector<double>{2, 1, 2, 1});
  CHECK(values(binary(BinaryOp::FloorDiv, make({-7.5, 7.5}), 2)) == std::vector<double>{-4, 3});
  CHECK(values(binary(BinaryOp::Mod, make({-7.5, 7.5}), -2)) == std::vector<double>{-1.5, -0.5});
  CHECK_THROWS_WITH(binary(BinaryOp::FloorDiv, x, 0), "ZeroDivisionError");
  CHECK_THROWS_AS(binary(BinaryOp::Mod, x, make({1, 0, 1, 1}, DType::Int64)), RuntimeError);
  CHECK(std::isinf(values(binary(BinaryOp::FloorDiv, make({1.0}), 0))[0]));

  Tensor s = make({-8, 8, -1}, DType::Int32);
  CHECK(values(binary(BinaryOp::RShift, s, 1)) == std::vector<double>{-4, 4, -1});
  CHECK(values(binary(BinaryOp::RShift, make({200}, DType::UInt8), 1)) == std::vector<double>{100});
  CHECK(values(binary(BinaryOp::LShift, make({1, 3}, DType::Int64), make({3, 62}, DType::Int64))) ==
        std::vector<double>{8, -4611686018427387904.0});
  // Puzzle 12's extraction of eight 4-bit values from an int32.
  Tensor packed = full({1}, 0x7654321F, DType::Int32);
  Tensor shifts = binary(BinaryOp::Mul, arange(0, 8, 1), 4);
  Tensor nibbles = binary(BinaryOp::BitwiseAnd, binary(BinaryOp::RShift, packed.unsqueeze(-1), shifts), 15);
  CHECK(nibbles.dtype() == DType::Int64);
  CHECK(values(nibbles) == std::vector<double>{15, 1, 2, 3, 4, 5, 6, 7});
  CHECK_THROWS_WITH(binary(BinaryOp::RShift, make({1.0}), 1), "\"bitwise_right_shift\" not implemented for 'Float'");
  CHECK_THROWS_WITH(binary(BinaryOp::BitwiseAnd, make({1.0}), 1), "\"bitwise_and\" not implemented for 'Float'");
  CHECK(values(binary(BinaryOp::BitwiseXor, make({1, 1}, DType::Bool), make({1, 0}, DType::Bool))) ==
        std::vector<double>{0, 1});

  CHECK(values(binary(BinaryOp::Add, make({127}, DType::Int8), make({1}, DType::Int8))) == std::vector<double>{-128});
  CHECK(values(binary(BinaryOp::Pow, make({3, 2, -1, 1}, DType::Int64), make({2, -1, -3, -5}, DType::Int64))) ==
        std::vector<double>{9, 0, -1, 1});
  CHECK_THROWS_WITH(binary(BinaryOp::Pow, make({3}, DType::Int64), -1),
                    "Integers to negative integer powers are not allowed.");
}

TEST_CASE("unary ops: result dtypes and values", "[elementwise][unary]") {
  Tensor ints = make({-2, 0, 4}, DType::Int32);
  CHECK(unary(UnaryOp::Exp, ints).dtype() == DType::Float32);
  CHECK(unary(UnaryOp::Sqrt, ints).dtype() == DType::Float32);
  CHECK(std::isnan(values(unary(UnaryOp::Sqrt, ints))[0]));
  CHECK(values(unary(UnaryOp::Sqrt, ints))[2] == 2);
  CHECK(unary(UnaryOp::Sigmoid, make({1, 0}, DType::Bool)).dtype() == DType::Float32);
  CHECK(unary(UnaryOp::Exp, make({1}, DType::Float16)).dtype() == DType::Float16);
  CHECK(values(unary(UnaryOp::Exp, make({1}, DType::Float16)))[0] == 2.71875);
  CHECK(unary(UnaryOp::Floor, ints).dtype() == DType::Int32);
  CHECK(values(unary(UnaryOp::Relu, ints)) == std::vector<double>{0, 0, 4});
  CHECK(values(unary(UnaryOp::Abs, ints)) == std::vector<double>{2, 0, 4});
  CHECK(values(unary(UnaryOp::Neg, ints)) == std::vector<double>{2, 0, -4});
  CHECK(values(unary(UnaryOp::Sign, make({-3, 0, 2}))) == std::vector<double>{-1, 0, 1});
  CHECK(unary(UnaryOp::IsNan, ints).dtype() == DType::Bool);
  CHECK(values(unary(UnaryOp::IsNan, make({NAN, 1}))) == std::vector<double>{1, 0});
  CHECK(values(unary(UnaryOp::IsInf, make({-INFINITY, NAN}))) == std::vector<double>{1, 0});
  CHECK(values(unary(UnaryOp::Round, make({0.5, 1.5, 2.5, -0.5}))) == std::vector<double>{0, 2, 2, 0});
  CHECK(values(unary(UnaryOp::BitwiseNot, make({1, 0}, DType::Bool))) == std::vector<double>{0, 1});
  CHECK(values(unary(UnaryOp::BitwiseNot, make({0, 5}, DType::Int8))) == std::vector<double>{-1, -6});
  CHECK(values(unary(UnaryOp::LogicalNot, make({0, 2}))) == std::vector<double>{1, 0});
  CHECK(values(unary(UnaryOp::Relu, make({NAN})))[0] != values(unary(UnaryOp::Relu, make({NAN})))[0]);
  CHECK(values(unary(UnaryOp::Gelu, make({1})))[0] == Approx(0.8413447).epsilon(1e-6));
  CHECK(values(unary(UnaryOp::Silu, make({1})))[0] == Approx(0.7310586).epsilon(1e-6));

  CHECK_THROWS_WITH(unary(UnaryOp::Gelu, ints), "\"gelu\" not implemented for 'Int'");
  CHECK_THROWS_WITH(unary(UnaryOp::Abs, make({1}, DType::Bool)), "\"abs\" not implemented for 'Bool'");
  CHECK_THROWS_WITH(unary(UnaryOp::Neg, make({1}, DType::Bool)),
                    "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a "
                    "mask, use the `~` or `logical_not()` operator instead.");
  CHECK_THROWS_WITH(binary(BinaryOp::Sub, make({1}, DType::Bool), make({1}, DType::Bool)),
                    "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                    "`logical_xor()` operator instead.");
  CHECK_THROWS_WITH(unary(UnaryOp::BitwiseNot, make({1.0})), "\"bitwise_not\" not implemented for 'Float'");
  CHECK_THROWS_WITH(unary(UnaryOp::Relu, make({1}, DType::Bool)), "Boolean inputs not supported for relu");

  CHECK(opNamed<UnaryOp>("exp") == UnaryOp::Exp);
  CHECK(opNamed<BinaryOp>("floor_divide") == BinaryOp::FloorDiv);
  CHECK(opInfo(BinaryOp::FloorDiv).python == "//");
  CHECK(opNamed<ReduceOp>("amax") == ReduceOp::AMax);
  CHECK(opNamed<ScanOp>("cumprod") == ScanOp::CumProd);
  CHECK_FALSE(opNamed<UnaryOp>("nope"));
}

TEST_CASE("maximum and minimum propagate NaN", "[elementwise]") {
  Tensor a = make({1, NAN, 3}), b = make({2, 0, NAN});
  std::vector<double> mx = values(binary(BinaryOp::Maximum, a, b));
  CHECK(mx[0] == 2);
  CHECK(std::isnan(mx[1]));
  CHECK(std::isnan(mx[2]));
  CHECK(values(binary(BinaryOp::Minimum, make({1, 5}, DType::Int32), 3)) == std::vector<double>{1, 3});
}

TEST_CASE("where and clamp", "[elementwise]") {
  Tensor x = make({-1, 2, -3, 4});
  Tensor positive = binary(BinaryOp::Gt, x, 0);
  Tensor w = where(positive, x, 0.0);
  CHECK(w.dtype() == DType::Float32);
  CHECK(values(w) == std::vector<double>{0, 2, 0, 4});
  Tensor mixed = where(positive, make({1, 2, 3, 4}, DType::Int64), 0.5);
  CHECK(mixed.dtype() == DType::Float32);
  CHECK(values(mixed) == std::vector<double>{0.5, 2, 0.5, 4});
  CHECK(where(positive.unsqueeze(1), 1, make({0, 0, 0}, DType::Int32)).shape() == Shape{4, 3});
  CHECK_THROWS_WITH(where(x, x, x),
                    "where expected condition to be a boolean tensor, but got a tensor with dtype Float");

  CHECK(values(clamp(x, Operand(-2.0), Operand(3.0))) == std::vector<double>{-1, 2, -2, 3});
  CHECK(values(clamp(x, Operand(0), std::nullopt)) == std::vector<double>{0, 2, 0, 4});
  CHECK(values(clamp(x, Operand(5.0), Operand(1.0))) == std::vector<double>{1, 1, 1, 1});  // min > max gives max
  CHECK(clamp(make({1, 2}, DType::Int32), Operand(0.5), std::nullopt).dtype() == DType::Float32);
  CHECK(std::isnan(values(clamp(make({NAN}), Operand(0.0), Operand(1.0)))[0]));
  CHECK(values(clamp(x, make({0, 0, 0, 0}), make({1, 1, 1, 1}))) == std::vector<double>{0, 1, 0, 1});
  CHECK_THROWS_WITH(clamp(x, std::nullopt, std::nullopt),
                    "torch.clamp: At least one of 'min' or 'max' must not be None");
}

TEST_CASE("in-place binary ops", "[elementwise]") {
  Tensor acc = zeros({2, 3});
  Tensor row = acc.select(0, 1);
  binaryInPlace(BinaryOp::Add, row, make({1, 2, 3}));
  CHECK(values(acc) == std::vector<double>{0, 0, 0, 1, 2, 3});
  Tensor h = make({1, 2}, DType::Float16);
  binaryInPlace(BinaryOp::Mul, h, make({0.5, 0.5}, DType::Float32));
  CHECK(h.dtype() == DType::Float16);
  CHECK(values(h) == std::vector<double>{0.5, 1});
  Tensor i = make({1, 2}, DType::Int64);
  CHECK_THROWS_WITH(binaryInPlace(BinaryOp::Add, i, 1.5),
                    "result type Float can't be cast to the desired output type Long");
  CHECK_THROWS_WITH(binaryInPlace(BinaryOp::Div, i, 2),
                    "result type Float can't be cast to the desired output type Long");
  binaryInPlace(BinaryOp::FloorDiv, i, 2);
  CHECK(values(i) == std::vector<double>{0, 1});
  Tensor small = zeros({3});
  CHECK_THROWS_WITH(binaryInPlace(BinaryOp::Add, small, zeros({2, 3})),
                    "output with shape [3] doesn't match the broadcast shape [2, 3]");
}

TEST_CASE("device rules", "[elementwise][device]") {
  Tensor cpu = make({1, 2});
  Tensor cuda = make({1, 2}).to(Device::cuda());
  CHECK_THROWS_WITH(binary(BinaryOp::Add, cuda, cpu),
                    "Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!");
  CHECK_THROWS_WITH(binary(BinaryOp::Add, cpu, cuda),
                    "Expected all tensors to be on the same device, but found at least two devices, cpu and cuda:0!");
  // A 0-dim cpu tensor goes with any device, as do Python scalars.
  Tensor sum = binary(BinaryOp::Add, cuda, full({}, 1.0));
  CHECK(sum.device() == Device::cuda());
  CHECK(values(sum) == std::vector<double>{2, 3});
  CHECK(binary(BinaryOp::Add, cuda, 1).device() == Device::cuda());
  CHECK(unary(UnaryOp::Exp, cuda).device() == Device::cuda());
  CHECK_THROWS_AS(where(binary(BinaryOp::Gt, cpu, 0), cuda, 0), RuntimeError);
}

TEST_CASE("meta tensors: shapes and dtypes only", "[elementwise][meta]") {
  Tensor x = Tensor::empty({4, 1}, DType::Int32, Device::meta());
  Tensor y = Tensor::empty({3}, DType::Float16, Device::meta());
  Tensor z = binary(BinaryOp::Add, x, y);
  CHECK(z.isMeta());
  CHECK(z.shape() == Shape{4, 3});
  CHECK(z.dtype() == DType::Float16);
  CHECK(unary(UnaryOp::Exp, x).dtype() == DType::Float32);
  CHECK(binary(BinaryOp::Lt, x, 1).dtype() == DType::Bool);
  CHECK_THROWS_WITH(binary(BinaryOp::Add, x, Tensor::empty({2, 3}, DType::Float32, Device::meta())),
                    "The size of tensor a (4) must match the size of tensor b (2) at non-singleton dimension 0");
  CHECK_THROWS_WITH(binary(BinaryOp::Add, x, make({1, 2, 3})),
                    "Expected all tensors to be on the same device, but found at least two devices, meta and cpu!");
  CHECK(where(binary(BinaryOp::Gt, x, 0), x, 0.5).dtype() == DType::Float32);
}
