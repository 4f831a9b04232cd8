// A one-pass Adam update for dense, contiguous CPU parameters.
//
// torch.optim.Adam (1.13, single-tensor path) runs about eight ATen ops per parameter, each
// building a TensorIterator and allocating temporaries. On small models that dispatch is
// most of a training step; on large ones the eight passes over memory are. This loop does
// the same arithmetic, in the same order and precision, in one pass.
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "shim.hpp"

namespace ctorch {
namespace {

// The weight-decay kind and AMSGrad are template parameters, so the loop body has no
// branches and, with the pointers declared unaliased, the compiler vectorises it (a scalar
// loop was 4.5 % of an ANP training step).
template <typename T, bool coupled, bool decoupled, bool amsgrad>
void adam_loop(T *__restrict__ p, const T *__restrict__ g, T *__restrict__ m, T *__restrict__ v,
               T *__restrict__ vmax, int64_t begin, int64_t end, const AdamConstants &c) {
  // Scalars are rounded to T as ATen does for a float tensor times a Python number.
  const T beta1 = static_cast<T>(c.beta1), one_minus_beta1 = static_cast<T>(1 - c.beta1);
  const T beta2 = static_cast<T>(c.beta2), one_minus_beta2 = static_cast<T>(1 - c.beta2);
  const T decay = static_cast<T>(c.weight_decay), shrink = static_cast<T>(1 - c.lr * c.weight_decay);
  const T bias2_sqrt = static_cast<T>(c.bias2_sqrt), eps = static_cast<T>(c.eps);
  const T step_size = static_cast<T>(-c.lr / c.bias1);
  for (int64_t i = begin; i < end; ++i) {
    T param = p[i];
    if (decoupled) param = param * shrink;
    const T grad = coupled ? g[i] + decay * param : g[i];
    const T m_i = m[i] * beta1 + one_minus_beta1 * grad;
    T v_i = v[i] * beta2 + one_minus_beta2 * grad * grad;
    m[i] = m_i;
    v[i] = v_i;
    if (amsgrad) {
      v_i = std::max(vmax[i], v_i);
      vmax[i] = v_i;
    }
    const T denom = std::sqrt(v_i) / bias2_sqrt + eps;
    p[i] = param + step_size * (m_i / denom);
  }
}

// adam_loop with the variant's flags fixed at compile time.
template <typename T>
void adam_range(T *p, const T *g, T *m, T *v, T *vmax, int64_t begin, int64_t end, const AdamConstants &c) {
  const bool coupled = c.weight_decay != 0 && !c.decoupled, decoupled = c.weight_decay != 0 && c.decoupled;
  const bool amsgrad = vmax != nullptr;
  if (coupled) {
    amsgrad ? adam_loop<T, true, false, true>(p, g, m, v, vmax, begin, end, c)
            : adam_loop<T, true, false, false>(p, g, m, v, vmax, begin, end, c);
  } else if (decoupled) {
    amsgrad ? adam_loop<T, false, true, true>(p, g, m, v, vmax, begin, end, c)
            : adam_loop<T, false, true, false>(p, g, m, v, vmax, begin, end, c);
  } else {
    amsgrad ? adam_loop<T, false, false, true>(p, g, m, v, vmax, begin, end, c)
            : adam_loop<T, false, false, false>(p, g, m, v, vmax, begin, end, c);
  }
}

bool fusable(const at::Tensor &p, const at::Tensor &t) {
  return t.defined() && t.layout() == at::kStrided && t.device().is_cpu() && t.scalar_type() == p.scalar_type() &&
         t.is_contiguous() && t.numel() == p.numel();
}

}  // namespace

bool fused_adam_update(at::Tensor &p, const at::Tensor &g, at::Tensor &m, at::Tensor &v, at::Tensor *vmax,
                       const AdamConstants &c) {
  const auto type = p.scalar_type();
  if (type != at::kFloat && type != at::kDouble) return false;
  if (!fusable(p, p) || !fusable(p, g) || !fusable(p, m) || !fusable(p, v)) return false;
  if (vmax != nullptr && !fusable(p, *vmax)) return false;
  // The loop declares its pointers unaliased: no two of the tensors may share storage.
  std::vector<const at::Tensor *> tensors{&p, &g, &m, &v};
  if (vmax != nullptr) tensors.push_back(vmax);
  for (size_t i = 0; i < tensors.size(); ++i) {
    for (size_t j = i + 1; j < tensors.size(); ++j) {
      if (tensors[i]->is_alias_of(*tensors[j])) return false;
    }
  }
  at::parallel_for(0, p.numel(), at::internal::GRAIN_SIZE, [&](int64_t begin, int64_t end) {
    if (type == at::kFloat) {
      adam_range<float>(p.data_ptr<float>(), g.data_ptr<float>(), m.data_ptr<float>(), v.data_ptr<float>(),
                       vmax ? vmax->data_ptr<float>() : nullptr, begin, end, c);
    } else {
      adam_range<double>(p.data_ptr<double>(), g.data_ptr<double>(), m.data_ptr<double>(), v.data_ptr<double>(),
                        vmax ? vmax->data_ptr<double>() : nullptr, begin, end, c);
    }
  });
  // Writing through data pointers skips ATen's version counters; bump them so autograd still
  // reports a parameter modified while a graph that saved it is alive, as an in-place op would.
  for (at::Tensor *t : {&p, &m, &v, vmax}) {
    if (t != nullptr) t->unsafeGetTensorImpl()->bump_version();
  }
  return true;
}

}  // namespace ctorch
