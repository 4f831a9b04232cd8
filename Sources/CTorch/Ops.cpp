// Elementwise math, reductions, shape and indexing, linear algebra.
#include <algorithm>
#include <cmath>

#include "shim.hpp"

using ctorch::dims;
using ctorch::ref;
using ctorch::wrap;

static at::Tensor unary(int op, const at::Tensor &a) {
  switch (op) {
    case PT_NEG: return at::neg(a);
    case PT_EXP: return at::exp(a);
    case PT_LOG: return at::log(a);
    case PT_LOG1P: return at::log1p(a);
    case PT_EXPM1: return at::expm1(a);
    case PT_SQRT: return at::sqrt(a);
    case PT_RSQRT: return at::rsqrt(a);
    case PT_ABS: return at::abs(a);
    case PT_SIGN: return at::sign(a);
    case PT_SIN: return at::sin(a);
    case PT_COS: return at::cos(a);
    case PT_TANH: return at::tanh(a);
    case PT_SIGMOID: return at::sigmoid(a);
    case PT_LOGSIGMOID: return at::log_sigmoid(a);
    case PT_RELU: return at::relu(a);
    case PT_GELU: return at::gelu(a);
    case PT_ERF: return at::erf(a);
    case PT_LGAMMA: return at::lgamma(a);
    case PT_DIGAMMA: return at::digamma(a);
    case PT_FLOOR: return at::floor(a);
    case PT_CEIL: return at::ceil(a);
    case PT_ROUND: return at::round(a);
    case PT_RECIPROCAL: return at::reciprocal(a);
    case PT_SQUARE: return at::square(a);
    case PT_LOGICAL_NOT: return at::logical_not(a);
    case PT_ISNAN: return at::isnan(a);
    case PT_ISFINITE: return at::isfinite(a);
    case PT_SILU: return at::silu(a);
    case PT_LOG2: return at::log2(a);
    case PT_ERFINV: return at::erfinv(a);
    case PT_TAN: return at::tan(a);
    case PT_ATAN: return at::atan(a);
    case PT_SINH: return at::sinh(a);
    case PT_COSH: return at::cosh(a);
    case PT_ASIN: return at::asin(a);
    case PT_ACOS: return at::acos(a);
  }
  throw std::invalid_argument("unknown unary op " + std::to_string(op));
}

static c10::optional<at::Scalar> bound(double v) {
  if (std::isnan(v)) return c10::nullopt;
  return at::Scalar(v);
}

static at::Tensor unary_param(int op, const at::Tensor &a, double p, double q) {
  switch (op) {
    case PT_LEAKY_RELU: return at::leaky_relu(a, p);
    case PT_ELU: return at::elu(a, p);
    case PT_SOFTPLUS: return at::softplus(a, p, q);
    case PT_CLAMP: return at::clamp(a, bound(p), bound(q));
    case PT_POW_SCALAR: return at::pow(a, p);
    case PT_HARDTANH: return at::hardtanh(a, p, q);
    case PT_CELU: return at::celu(a, p);
  }
  throw std::invalid_argument("unknown parametrised unary op " + std::to_string(op));
}

static at::Tensor binary(int op, const at::Tensor &a, const at::Tensor &b) {
  switch (op) {
    case PT_ADD: return at::add(a, b);
    case PT_SUB: return at::sub(a, b);
    case PT_MUL: return at::mul(a, b);
    case PT_DIV: return at::div(a, b);
    case PT_POW: return at::pow(a, b);
    case PT_MINIMUM: return at::minimum(a, b);
    case PT_MAXIMUM: return at::maximum(a, b);
    case PT_EQ: return at::eq(a, b);
    case PT_NE: return at::ne(a, b);
    case PT_LT: return at::lt(a, b);
    case PT_LE: return at::le(a, b);
    case PT_GT: return at::gt(a, b);
    case PT_GE: return at::ge(a, b);
    case PT_LOGICAL_AND: return at::logical_and(a, b);
    case PT_LOGICAL_OR: return at::logical_or(a, b);
    case PT_LOGICAL_XOR: return at::logical_xor(a, b);
    case PT_ATAN2: return at::atan2(a, b);
    case PT_FMOD: return at::fmod(a, b);
    case PT_REMAINDER: return at::remainder(a, b);
    case PT_FLOOR_DIVIDE: return at::div(a, b, "floor");
  }
  throw std::invalid_argument("unknown binary op " + std::to_string(op));
}

// A scalar operand uses libtorch's Scalar overloads (no temporary tensor, and the tensor's
// dtype wins as in PyTorch); see ctorch::scalar_for for integer tensors.
static at::Tensor binary_scalar(int op, const at::Tensor &a, double value) {
  at::Scalar s = ctorch::scalar_for(a, value);
  switch (op) {
    case PT_ADD: return at::add(a, s);
    case PT_SUB: return at::sub(a, s);
    case PT_MUL: return at::mul(a, s);
    case PT_DIV: return at::div(a, s);
    case PT_POW: return at::pow(a, s);
    case PT_MINIMUM: return at::clamp_max(a, s);
    case PT_MAXIMUM: return at::clamp_min(a, s);
    case PT_EQ: return at::eq(a, s);
    case PT_NE: return at::ne(a, s);
    case PT_LT: return at::lt(a, s);
    case PT_LE: return at::le(a, s);
    case PT_GT: return at::gt(a, s);
    case PT_GE: return at::ge(a, s);
    case PT_FMOD: return at::fmod(a, s);
    case PT_REMAINDER: return at::remainder(a, s);
  }
  return binary(op, a, at::scalar_tensor(s, a.options().requires_grad(false)));
}

static at::Tensor reversed_scalar(int op, const at::Tensor &a, double value) {
  at::Scalar s = ctorch::scalar_for(a, value);
  switch (op) {
    case PT_ADD: return at::add(a, s);
    case PT_SUB: return at::rsub(a, s);
    case PT_MUL: return at::mul(a, s);
    case PT_DIV: return at::mul(at::reciprocal(a), s);
    case PT_POW: return at::pow(s, a);
  }
  return binary(op, at::scalar_tensor(s, a.options().requires_grad(false)), a);
}

// prod/any/all reduce one dimension per call in libtorch 1.13: reduce the highest
// dimension first so the remaining indices stay valid.
template <typename F>
static at::Tensor one_at_a_time(const at::Tensor &t, at::IntArrayRef axes, bool keep, bool all, F f) {
  if (all && !keep) return f(t.reshape({-1}), 0, false);
  std::vector<int64_t> sorted;
  for (auto d : axes) sorted.push_back(d < 0 ? d + t.dim() : d);
  std::sort(sorted.rbegin(), sorted.rend());
  at::Tensor r = t;
  for (auto d : sorted) r = f(r, d, keep);
  return r;
}

extern "C" {

pt_tensor pt_unary(int op, pt_tensor a) { PT_TENSOR(unary(op, ref(a))) }
pt_tensor pt_unary_param(int op, pt_tensor a, double p, double q) {
  PT_TENSOR(unary_param(op, ref(a), p, q))
}
pt_tensor pt_binary(int op, pt_tensor a, pt_tensor b) { PT_TENSOR(binary(op, ref(a), ref(b))) }
pt_tensor pt_binary_scalar(int op, pt_tensor a, double s, int reversed) {
  PT_TENSOR(reversed ? reversed_scalar(op, ref(a), s) : binary_scalar(op, ref(a), s))
}
pt_tensor pt_where(pt_tensor c, pt_tensor a, pt_tensor b) { PT_TENSOR(at::where(ref(c), ref(a), ref(b))) }
pt_tensor pt_addcmul(pt_tensor a, pt_tensor b, pt_tensor c, double v) {
  PT_TENSOR(at::addcmul(ref(a), ref(b), ref(c), v))
}
pt_tensor pt_addcdiv(pt_tensor a, pt_tensor b, pt_tensor c, double v) {
  PT_TENSOR(at::addcdiv(ref(a), ref(b), ref(c), v))
}

int pt_inplace(int op, pt_tensor a, pt_tensor b, double alpha) {
  PT_STATUS({
    auto &t = ref(a);
    switch (op) {
      case PT_INPLACE_ADD: t.add_(ref(b), alpha); break;
      case PT_INPLACE_SUB: t.sub_(ref(b), alpha); break;
      case PT_INPLACE_MUL: t.mul_(ref(b)); break;
      case PT_INPLACE_DIV: t.div_(ref(b)); break;
      case PT_INPLACE_COPY: t.copy_(ref(b)); break;
      default: throw std::invalid_argument("unknown in-place op");
    }
  })
}

int pt_inplace_scalar(int op, pt_tensor a, double s) {
  PT_STATUS({
    auto &t = ref(a);
    switch (op) {
      case PT_INPLACE_ADD_SCALAR: t.add_(ctorch::scalar_for(t, s)); break;
      case PT_INPLACE_MUL_SCALAR: t.mul_(ctorch::scalar_for(t, s)); break;
      case PT_INPLACE_FILL: t.fill_(ctorch::scalar_for(t, s)); break;
      default: throw std::invalid_argument("unknown in-place scalar op");
    }
  })
}

// MARK: Reductions

pt_tensor pt_reduce(int op, pt_tensor a, const int64_t *d, int nd, int keepdim, double p) {
  PT_TENSOR(({
    auto &t = ref(a);
    bool all = nd == 0;
    std::vector<int64_t> every;
    if (all) for (int64_t i = 0; i < t.dim(); ++i) every.push_back(i);
    at::IntArrayRef axes = all ? at::IntArrayRef(every) : dims(d, nd);
    bool keep = keepdim != 0;
    at::Tensor r;
    switch (op) {
      case PT_SUM: r = all && !keep ? at::sum(t) : at::sum(t, axes, keep); break;
      case PT_MEAN: r = all && !keep ? at::mean(t) : at::mean(t, axes, keep); break;
      case PT_AMAX: r = at::amax(t, axes, keep); break;
      case PT_AMIN: r = at::amin(t, axes, keep); break;
      case PT_LOGSUMEXP: r = at::logsumexp(t, axes, keep); break;
      case PT_PROD: r = one_at_a_time(t, axes, keep, all, [](const at::Tensor &x, int64_t d, bool k) { return at::prod(x, d, k); }); break;
      case PT_ANY: r = one_at_a_time(t, axes, keep, all, [](const at::Tensor &x, int64_t d, bool k) { return at::any(x, d, k); }); break;
      case PT_ALL: r = one_at_a_time(t, axes, keep, all, [](const at::Tensor &x, int64_t d, bool k) { return at::all(x, d, k); }); break;
      case PT_NORM: r = at::linalg_vector_norm(t, p, all ? at::OptionalIntArrayRef() : axes, keep); break;
      case PT_VAR: r = at::var(t, all ? at::OptionalIntArrayRef() : axes, static_cast<int64_t>(p), keep); break;
      case PT_STD: r = at::std(t, all ? at::OptionalIntArrayRef() : axes, static_cast<int64_t>(p), keep); break;
      case PT_COUNT_NONZERO: r = at::count_nonzero(t, axes); break;
      default: throw std::invalid_argument("unknown reduction");
    }
    r;
  }))
}

int pt_minmax_dim(pt_tensor a, int64_t dim, int keepdim, int is_max, pt_tensor *values,
                  pt_tensor *indices) {
  PT_STATUS({
    auto result = is_max ? at::max(ref(a), dim, keepdim != 0) : at::min(ref(a), dim, keepdim != 0);
    *values = wrap(std::get<0>(result));
    *indices = wrap(std::get<1>(result));
  })
}

pt_tensor pt_argminmax(pt_tensor a, int64_t dim, int keepdim, int is_max) {
  PT_TENSOR(is_max ? at::argmax(ref(a), dim, keepdim != 0) : at::argmin(ref(a), dim, keepdim != 0))
}

pt_tensor pt_along_dim(int op, pt_tensor a, int64_t dim) {
  PT_TENSOR(({
    at::Tensor r;
    switch (op) {
      case PT_CUMSUM: r = at::cumsum(ref(a), dim); break;
      case PT_CUMPROD: r = at::cumprod(ref(a), dim); break;
      case PT_SOFTMAX: r = at::softmax(ref(a), dim); break;
      case PT_LOG_SOFTMAX: r = at::log_softmax(ref(a), dim); break;
      default: throw std::invalid_argument("unknown op along a dimension");
    }
    r;
  }))
}

int pt_topk(pt_tensor a, int64_t k, int64_t dim, int largest, pt_tensor *values, pt_tensor *indices) {
  PT_STATUS({
    auto r = at::topk(ref(a), k, dim, largest != 0, true);
    *values = wrap(std::get<0>(r));
    *indices = wrap(std::get<1>(r));
  })
}

int pt_sort(pt_tensor a, int64_t dim, int descending, pt_tensor *values, pt_tensor *indices) {
  PT_STATUS({
    auto r = at::sort(ref(a), dim, descending != 0);
    *values = wrap(std::get<0>(r));
    *indices = wrap(std::get<1>(r));
  })
}

// MARK: Shape and indexing

pt_tensor pt_reshape(pt_tensor a, const int64_t *s, int n) { PT_TENSOR(at::reshape(ref(a), dims(s, n))) }
pt_tensor pt_permute(pt_tensor a, const int64_t *d, int n) { PT_TENSOR(ref(a).permute(dims(d, n))) }
pt_tensor pt_transpose(pt_tensor a, int64_t d0, int64_t d1) { PT_TENSOR(at::transpose(ref(a), d0, d1)) }
pt_tensor pt_squeeze(pt_tensor a, int64_t dim, int all) {
  PT_TENSOR(all ? at::squeeze(ref(a)) : at::squeeze(ref(a), dim))
}
pt_tensor pt_unsqueeze(pt_tensor a, int64_t dim) { PT_TENSOR(at::unsqueeze(ref(a), dim)) }
pt_tensor pt_expand(pt_tensor a, const int64_t *s, int n) { PT_TENSOR(ref(a).expand(dims(s, n))) }
pt_tensor pt_repeat(pt_tensor a, const int64_t *r, int n) { PT_TENSOR(ref(a).repeat(dims(r, n))) }
pt_tensor pt_flip(pt_tensor a, const int64_t *d, int n) { PT_TENSOR(at::flip(ref(a), dims(d, n))) }
pt_tensor pt_cat(const pt_tensor *ts, int n, int64_t dim) { PT_TENSOR(at::cat(ctorch::list(ts, n), dim)) }
pt_tensor pt_stack(const pt_tensor *ts, int n, int64_t dim) { PT_TENSOR(at::stack(ctorch::list(ts, n), dim)) }

int pt_split(pt_tensor a, const int64_t *sizes, int nsizes, int64_t dim, pt_tensor *out) {
  PT_STATUS({
    auto parts = at::split_with_sizes(ref(a), dims(sizes, nsizes), dim);
    for (int i = 0; i < nsizes; ++i) out[i] = wrap(parts[i]);
  })
}

pt_tensor pt_slice(pt_tensor a, int64_t dim, int64_t start, int64_t end, int64_t step) {
  PT_TENSOR(at::slice(ref(a), dim, start, end, step))
}
pt_tensor pt_select(pt_tensor a, int64_t dim, int64_t index) { PT_TENSOR(at::select(ref(a), dim, index)) }
pt_tensor pt_index_select(pt_tensor a, int64_t dim, pt_tensor index) {
  PT_TENSOR(at::index_select(ref(a), dim, ref(index)))
}
pt_tensor pt_gather(pt_tensor a, int64_t dim, pt_tensor index) { PT_TENSOR(at::gather(ref(a), dim, ref(index))) }
pt_tensor pt_scatter(pt_tensor a, int64_t dim, pt_tensor index, pt_tensor src, int accumulate) {
  PT_TENSOR(accumulate ? at::scatter_add(ref(a), dim, ref(index), ref(src))
                       : at::scatter(ref(a), dim, ref(index), ref(src)))
}
pt_tensor pt_masked_fill(pt_tensor a, pt_tensor mask, double value) {
  PT_TENSOR(at::masked_fill(ref(a), ref(mask), value))
}
pt_tensor pt_masked_select(pt_tensor a, pt_tensor mask) { PT_TENSOR(at::masked_select(ref(a), ref(mask))) }
pt_tensor pt_nonzero(pt_tensor a) { PT_TENSOR(at::nonzero(ref(a))) }
pt_tensor pt_triangle(pt_tensor a, int64_t diagonal, int upper) {
  PT_TENSOR(upper ? at::triu(ref(a), diagonal) : at::tril(ref(a), diagonal))
}
pt_tensor pt_diagonal(pt_tensor a, int64_t offset, int64_t d1, int64_t d2) {
  PT_TENSOR(at::diagonal(ref(a), offset, d1, d2))
}
pt_tensor pt_diag_embed(pt_tensor a) { PT_TENSOR(at::diag_embed(ref(a))) }
pt_tensor pt_one_hot(pt_tensor indices, int64_t classes) { PT_TENSOR(at::one_hot(ref(indices), classes)) }

// MARK: Linear algebra

pt_tensor pt_matmul(pt_tensor a, pt_tensor b) { PT_TENSOR(at::matmul(ref(a), ref(b))) }
pt_tensor pt_bmm(pt_tensor a, pt_tensor b) { PT_TENSOR(at::bmm(ref(a), ref(b))) }
pt_tensor pt_cdist(pt_tensor a, pt_tensor b, double p) { PT_TENSOR(at::cdist(ref(a), ref(b), p)) }
pt_tensor pt_einsum(const char *equation, const pt_tensor *ts, int n) {
  PT_TENSOR(at::einsum(equation, ctorch::list(ts, n)))
}
pt_tensor pt_cholesky(pt_tensor a, int upper) { PT_TENSOR(at::linalg_cholesky(ref(a), upper != 0)) }
pt_tensor pt_cholesky_solve(pt_tensor b, pt_tensor factor, int upper) {
  PT_TENSOR(at::cholesky_solve(ref(b), ref(factor), upper != 0))
}
pt_tensor pt_solve_triangular(pt_tensor a, pt_tensor b, int upper, int left, int unitriangular) {
  PT_TENSOR(at::linalg_solve_triangular(ref(a), ref(b), upper != 0, left != 0, unitriangular != 0))
}
pt_tensor pt_solve(pt_tensor a, pt_tensor b) { PT_TENSOR(at::linalg_solve(ref(a), ref(b))) }
pt_tensor pt_inverse(pt_tensor a) { PT_TENSOR(at::linalg_inv(ref(a))) }
int pt_slogdet(pt_tensor a, pt_tensor *sign, pt_tensor *logabsdet) {
  PT_STATUS({
    auto r = at::linalg_slogdet(ref(a));
    *sign = wrap(std::get<0>(r));
    *logabsdet = wrap(std::get<1>(r));
  })
}
int pt_eigh(pt_tensor a, pt_tensor *values, pt_tensor *vectors) {
  PT_STATUS({
    auto r = at::linalg_eigh(ref(a));
    *values = wrap(std::get<0>(r));
    *vectors = wrap(std::get<1>(r));
  })
}

}  // extern "C"
