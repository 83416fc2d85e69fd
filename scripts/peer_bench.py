"""PyTorch + PEFT on the benchmark shapes of shared/BENCH.md, for peer figures on the same machine.

GPT-2 style model (transformers' GPT2LMHeadModel, random frozen weights), LoRA r=8 alpha=16 on
the fused c_attn (the same trainable count as q and v), AdamW lr 1e-3 wd 0.01, one random batch
from a fixed seed reused every step, loss on every position. Prints one JSON line per shape.

    python3 scripts/peer_bench.py [--device cuda|cpu] [--steps 20] [--shapes S M]
"""
import argparse, json, statistics, time

START = time.perf_counter()

import torch  # noqa: E402
from peft import LoraConfig, get_peft_model  # noqa: E402
from transformers import GPT2Config, GPT2LMHeadModel  # noqa: E402

SHAPES = {"S": dict(vocab=1024, d=128, layers=4, heads=4, ff=512, seq=64, batch=8),
          "M": dict(vocab=8192, d=256, layers=6, heads=8, ff=1024, seq=128, batch=8)}


def sync(device):
    if device == "cuda":
        torch.cuda.synchronize()


def run(name, device, steps):
    s = SHAPES[name]
    torch.manual_seed(0)
    cfg = GPT2Config(vocab_size=s["vocab"], n_embd=s["d"], n_layer=s["layers"], n_head=s["heads"],
                     n_inner=s["ff"], n_positions=s["seq"], resid_pdrop=0, embd_pdrop=0, attn_pdrop=0)
    model = GPT2LMHeadModel(cfg)
    model = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, target_modules=["c_attn"], lora_dropout=0.0,
                                             fan_in_fan_out=True)).to(device)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-3, weight_decay=0.01)
    tokens = torch.randint(0, s["vocab"], (s["batch"], s["seq"]), device=device)
    times, losses, first = [], [], None
    for step in range(steps):
        t0 = time.perf_counter()
        loss = model(input_ids=tokens, labels=tokens).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(loss.item())  # reads back: the step is complete
        sync(device)
        times.append(time.perf_counter() - t0)
        if step == 0:
            first = time.perf_counter() - START
    median = statistics.median(times[1:])
    return dict(shape=name, device=torch.cuda.get_device_name() if device == "cuda" else "cpu",
                torch=torch.__version__, params=sum(p.numel() for p in model.parameters()),
                trainable=sum(p.numel() for p in model.parameters() if p.requires_grad),
                start_to_first_step_s=round(first, 3), median_step_ms=round(median * 1e3, 3),
                tokens_per_s=round(s["batch"] * s["seq"] / median), first_loss=losses[0], last_loss=losses[-1])


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--shapes", nargs="+", default=["S", "M"])
    args = ap.parse_args()
    for name in args.shapes:
        print(json.dumps(run(name, args.device, args.steps)), flush=True)
