"""Diagrams of chapter 10 (transcriptome-wide association).

- ``predixcan_pipeline()``: PrediXcan's three steps as a pipeline. 1. train an expression model
  per gene (elastic-net weights ``w``) in a reference panel with genotypes and expression (like
  one GTEx tissue); 2. impute genetically predicted expression ``T_hat = X w`` in the GWAS cohort,
  where only genotypes were measured; 3. associate the predicted expression with the trait
  (``y = a + beta T_hat + eps``, ``z = beta_hat / se``), one test per gene.
- ``mr_jti()``: joint-tissue imputation (JTI) borrowing strength between tissues, and the
  Mendelian-randomization step of MR-JTI with the horizontal-pleiotropy path it allows for.
"""
from __future__ import annotations

from ..style import OKABE_ITO
from . import draw


def predixcan_pipeline():
    """PrediXcan as three steps stacked top to bottom, each with the data it reads on its left
    and the formula it computes inside it (narrow, so it stays legible on a phone)."""
    fig, ax = draw.canvas(5.4, 5.3)
    ys, xd, xs, wd, ws, h = (4.45, 2.75, 1.05), 1.0, 3.75, 1.85, 2.55, 1.1
    data = ["reference panel\n(GTEx-like):\ngenotypes $X_{ref}$\n+ expression $e$",
            "GWAS cohort:\ngenotypes $X$ only",
            "GWAS cohort:\ntrait $y$"]
    steps = ["1. train weights\nelastic net per gene,\ncis SNPs: $e \\approx X_{ref}\\,w$",
             "2. impute expression\n$\\hat T = X\\,w$\n(one value per person)",
             "3. associate\n$y = a + \\beta\\,\\hat T + \\varepsilon$\n"
             "$z = \\hat\\beta / \\mathrm{se}(\\hat\\beta)$"]
    for y, d, step, kind in zip(ys, data, steps, ("weight", "hidden", "output")):
        draw.box(ax, (xd, y), wd, h, d, kind="input", fontsize=10)
        draw.box(ax, (xs, y), ws, h, step, kind=kind, fontsize=10)
        draw.arrow(ax, (xd + wd / 2, y), (xs - ws / 2, y))
    draw.arrow(ax, (xs, ys[0] - h / 2), (xs, ys[1] + h / 2), label="weights $w$", fontsize=10,
               label_offset=(0.55, 0))
    draw.arrow(ax, (xs, ys[1] - h / 2), (xs, ys[2] + h / 2), label="$\\hat T$ per person",
               fontsize=10, label_offset=(0.7, 0))
    draw.text(ax, (xs, 0.2), "per gene: z, p, sign (Bonferroni 0.05 / genes)", fontsize=10)
    return fig


def mr_jti():
    """JTI and MR-JTI: cis SNPs act on expression in several tissues (JTI borrows strength
    between similar tissues), expression of the target tissue acts on the trait (the causal
    effect MR estimates), and a SNP may also act on the trait by another route (horizontal
    pleiotropy, which MR-JTI models as variant-level heterogeneity)."""
    fig, ax = draw.canvas(7.0, 4.2)
    blue, red = draw.EDGE["input"], OKABE_ITO["vermillion"]
    draw.box(ax, (0.75, 2.7), 1.2, 0.8, "cis SNPs\n(eQTLs)", kind="input", fontsize=10)
    tissues = [(3.75, "expression\nin liver", "neutral"),
               (2.7, "expression in\ntarget tissue", "hidden"),
               (1.65, "expression\nin adipose", "neutral")]
    for y, label, kind in tissues:
        draw.box(ax, (2.9, y), 1.5, 0.62, label, kind=kind, fontsize=10)
        draw.arrow(ax, (1.35, 2.7), (2.15, y))
    for y0, y1 in ((3.42, 3.03), (1.98, 2.37)):
        draw.arrow(ax, (2.9, y0), (2.9, y1), color=blue, style="<|-|>")
    draw.text(ax, (3.85, 3.75), "JTI: borrow strength between\ntissues, weighted by similarity",
              fontsize=10, color=blue, ha="left")
    draw.box(ax, (6.3, 2.7), 1.0, 0.7, "trait", kind="output", fontsize=10)
    draw.arrow(ax, (3.65, 2.7), (5.8, 2.7), label="MR: causal effect\nof expression",
               fontsize=10, label_offset=(0, -0.35))
    draw.arrow(ax, (0.75, 2.3), (6.1, 2.35), color=red, ls="--", connection="arc3,rad=0.5")
    draw.text(ax, (3.6, 0.35), "horizontal pleiotropy: a SNP acts on the trait by another route\n"
              "(MR-JTI models this variant-level heterogeneity)", fontsize=10, color=red)
    return fig
