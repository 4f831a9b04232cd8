// Neural-network functions, losses and fused optimiser steps.
#include <cmath>

#include "shim.hpp"

using ctorch::dims;
using ctorch::opt;
using ctorch::ref;
using ctorch::wrap;

// State tensors created on an optimiser's first step are written back to the caller's array.
static at::Tensor &state(pt_tensor *slot, const at::Tensor &like) {
  if (*slot == nullptr) *slot = wrap(at::zeros_like(like, at::MemoryFormat::Preserve));
  return ref(*slot);
}

extern "C" {

pt_tensor pt_linear(pt_tensor x, pt_tensor w, pt_tensor b) { PT_TENSOR(at::linear(ref(x), ref(w), opt(b))) }

pt_tensor pt_conv2d(pt_tensor x, pt_tensor w, pt_tensor b, const int64_t *stride,
                    const int64_t *padding, const int64_t *dilation, int64_t groups) {
  PT_TENSOR(at::conv2d(ref(x), ref(w), opt(b), dims(stride, 2), dims(padding, 2), dims(dilation, 2), groups))
}

pt_tensor pt_conv_transpose2d(pt_tensor x, pt_tensor w, pt_tensor b, const int64_t *stride,
                              const int64_t *padding, const int64_t *output_padding,
                              const int64_t *dilation, int64_t groups) {
  PT_TENSOR(at::conv_transpose2d(ref(x), ref(w), opt(b), dims(stride, 2), dims(padding, 2),
                                 dims(output_padding, 2), groups, dims(dilation, 2)))
}

pt_tensor pt_max_pool2d(pt_tensor x, const int64_t *k, const int64_t *s, const int64_t *p) {
  PT_TENSOR(at::max_pool2d(ref(x), dims(k, 2), dims(s, 2), dims(p, 2)))
}
pt_tensor pt_avg_pool2d(pt_tensor x, const int64_t *k, const int64_t *s, const int64_t *p) {
  PT_TENSOR(at::avg_pool2d(ref(x), dims(k, 2), dims(s, 2), dims(p, 2)))
}
pt_tensor pt_adaptive_pool2d(pt_tensor x, const int64_t *size, int is_max) {
  PT_TENSOR(is_max ? std::get<0>(at::adaptive_max_pool2d(ref(x), dims(size, 2)))
                   : at::adaptive_avg_pool2d(ref(x), dims(size, 2)))
}

pt_tensor pt_batch_norm(pt_tensor x, pt_tensor w, pt_tensor b, pt_tensor rm, pt_tensor rv,
                        int training, double momentum, double eps) {
  PT_TENSOR(at::batch_norm(ref(x), opt(w), opt(b), opt(rm), opt(rv), training != 0, momentum, eps, false))
}
pt_tensor pt_group_norm(pt_tensor x, int64_t groups, pt_tensor w, pt_tensor b, double eps) {
  PT_TENSOR(at::group_norm(ref(x), groups, opt(w), opt(b), eps, false))
}
pt_tensor pt_layer_norm(pt_tensor x, const int64_t *shape, int n, pt_tensor w, pt_tensor b, double eps) {
  PT_TENSOR(at::layer_norm(ref(x), dims(shape, n), opt(w), opt(b), eps, false))
}
pt_tensor pt_dropout(pt_tensor x, double p, int training) { PT_TENSOR(at::dropout(ref(x), p, training != 0)) }

pt_tensor pt_interpolate2d(pt_tensor x, const int64_t *size, int mode, int align_corners) {
  PT_TENSOR(mode == PT_INTERP_BILINEAR
                ? at::upsample_bilinear2d(ref(x), dims(size, 2), align_corners != 0, c10::nullopt, c10::nullopt)
                : at::upsample_nearest2d(ref(x), dims(size, 2), c10::nullopt, c10::nullopt))
}
pt_tensor pt_pixel_shuffle(pt_tensor x, int64_t factor) { PT_TENSOR(at::pixel_shuffle(ref(x), factor)) }

pt_tensor pt_pad(pt_tensor x, const int64_t *pads, int n, int mode, double value) {
  static const char *modes[] = {"constant", "reflect", "replicate", "circular"};
  PT_TENSOR(({
    if (mode < 0 || mode > 3) throw std::invalid_argument("unknown padding mode");
    at::pad(ref(x), dims(pads, n), modes[mode], mode == PT_PAD_CONSTANT ? c10::optional<double>(value) : c10::nullopt);
  }))
}

pt_tensor pt_embedding(pt_tensor w, pt_tensor indices) { PT_TENSOR(at::embedding(ref(w), ref(indices))) }

// MARK: Losses

pt_tensor pt_cross_entropy(pt_tensor logits, pt_tensor target, pt_tensor w, int reduction,
                           int64_t ignore_index, double label_smoothing) {
  PT_TENSOR(at::cross_entropy_loss(ref(logits), ref(target), opt(w), reduction, ignore_index, label_smoothing))
}
pt_tensor pt_nll_loss(pt_tensor lp, pt_tensor target, pt_tensor w, int reduction, int64_t ignore_index) {
  PT_TENSOR(at::nll_loss_nd(ref(lp), ref(target), opt(w), reduction, ignore_index))
}
pt_tensor pt_bce_with_logits(pt_tensor logits, pt_tensor target, pt_tensor w, pt_tensor pos_weight, int reduction) {
  PT_TENSOR(at::binary_cross_entropy_with_logits(ref(logits), ref(target), opt(w), opt(pos_weight), reduction))
}
pt_tensor pt_binary_cross_entropy(pt_tensor p, pt_tensor target, pt_tensor w, int reduction) {
  PT_TENSOR(at::binary_cross_entropy(ref(p), ref(target), opt(w), reduction))
}
pt_tensor pt_mse_loss(pt_tensor input, pt_tensor target, int reduction) {
  PT_TENSOR(at::mse_loss(ref(input), ref(target), reduction))
}

// MARK: Optimisers (the update rules of torch.optim 1.13, single-tensor path)

int pt_sgd_step(pt_tensor *params, int n, pt_tensor *bufs, double lr, double momentum,
                double dampening, double weight_decay, int nesterov) {
  PT_STATUS({
    c10::AutoGradMode no_grad(false);
    for (int i = 0; i < n; ++i) {
      auto &p = ref(params[i]);
      const auto &g = p.grad();
      if (!g.defined()) continue;
      auto d = weight_decay != 0 ? g.add(p, weight_decay) : g;
      if (momentum != 0) {
        if (bufs[i] == nullptr) {
          bufs[i] = wrap(d.clone().detach());
        } else {
          ref(bufs[i]).mul_(momentum).add_(d, 1 - dampening);
        }
        auto &buf = ref(bufs[i]);
        d = nesterov ? d.add(buf, momentum) : buf;
      }
      p.add_(d, -lr);
    }
  })
}

int pt_adam_step(pt_tensor *params, int n, pt_tensor *exp_avgs, pt_tensor *exp_avg_sqs, double lr,
                 double beta1, double beta2, double eps, double weight_decay, int decoupled,
                 int64_t *steps, int amsgrad, pt_tensor *max_exp_avg_sqs) {
  PT_STATUS({
    c10::AutoGradMode no_grad(false);
    for (int i = 0; i < n; ++i) {
      auto &p = ref(params[i]);
      const auto &raw = p.grad();
      if (!raw.defined()) continue;
      const double t = static_cast<double>(++steps[i]);
      const double bias1 = 1 - std::pow(beta1, t);
      const double bias2_sqrt = std::sqrt(1 - std::pow(beta2, t));
      auto &m = state(&exp_avgs[i], p);
      auto &v = state(&exp_avg_sqs[i], p);
      at::Tensor *vmax = amsgrad ? &state(&max_exp_avg_sqs[i], p) : nullptr;
      // One pass over memory for dense CPU parameters (FusedAdam.cpp); ATen ops otherwise.
      // (Parenthesised: the braces' commas would split the PT_STATUS macro's argument.)
      const auto constants = (ctorch::AdamConstants{lr, beta1, beta2, eps, weight_decay, decoupled != 0, bias1, bias2_sqrt});
      if (ctorch::fused_adam_update(p, raw, m, v, vmax, constants)) continue;
      at::Tensor g = raw;
      if (weight_decay != 0) {
        if (decoupled) p.mul_(1 - lr * weight_decay);
        else g = g.add(p, weight_decay);
      }
      m.mul_(beta1).add_(g, 1 - beta1);
      v.mul_(beta2).addcmul_(g, g, 1 - beta2);
      at::Tensor denom;
      if (vmax) {
        at::maximum_out(*vmax, *vmax, v);
        denom = (vmax->sqrt() / bias2_sqrt).add_(eps);
      } else {
        denom = (v.sqrt() / bias2_sqrt).add_(eps);
      }
      p.addcdiv_(m, denom, -lr / bias1);
    }
  })
}

int pt_rmsprop_step(pt_tensor *params, int n, pt_tensor *square_avgs, pt_tensor *grad_avgs,
                    pt_tensor *bufs, double lr, double alpha, double eps, double weight_decay,
                    double momentum, int centered) {
  PT_STATUS({
    c10::AutoGradMode no_grad(false);
    for (int i = 0; i < n; ++i) {
      auto &p = ref(params[i]);
      const auto &raw = p.grad();
      if (!raw.defined()) continue;
      auto g = weight_decay != 0 ? raw.add(p, weight_decay) : raw;
      auto &sq = state(&square_avgs[i], p);
      sq.mul_(alpha).addcmul_(g, g, 1 - alpha);
      at::Tensor avg;
      if (centered) {
        auto &ga = state(&grad_avgs[i], p);
        ga.mul_(alpha).add_(g, 1 - alpha);
        avg = sq.addcmul(ga, ga, -1).sqrt_().add_(eps);
      } else {
        avg = sq.sqrt().add_(eps);
      }
      if (momentum > 0) {
        auto &buf = state(&bufs[i], p);
        buf.mul_(momentum).addcdiv_(g, avg);
        p.add_(buf, -lr);
      } else {
        p.addcdiv_(g, avg, -lr);
      }
    }
  })
}

int pt_clip_grad_norm(pt_tensor *params, int n, double max_norm, double *total_norm) {
  PT_STATUS({
    c10::AutoGradMode no_grad(false);
    std::vector<at::Tensor> norms;
    for (int i = 0; i < n; ++i) {
      const auto &g = ref(params[i]).grad();
      if (g.defined()) norms.push_back(at::linalg_vector_norm(g, 2));
    }
    *total_norm = 0;
    if (!norms.empty()) {
      auto total = at::linalg_vector_norm(at::stack(norms), 2);
      *total_norm = total.item<double>();
      double coef = max_norm / (*total_norm + 1e-6);
      if (coef < 1)
        for (int i = 0; i < n; ++i) {
          auto g = ref(params[i]).grad();
          if (g.defined()) g.mul_(coef);
        }
    }
  })
}

}  // extern "C"
