"""The bilingual glossary (book/glossary.md, English and 中文) is complete and linked both ways:

- every entry has an English term, one Chinese term (simplified characters), a one-line
  definition and a link to the page that teaches it;
- the page that teaches a term links it with {term} (a reader can always reach the glossary
  from the lesson, and back);
- every term a page defines in bold (``**{term}`...`**``) is in the glossary, taught there; a
  bold phrase without {term} in the lesson prose is a term the glossary lacks;
- key Chinese terms agree with a second source (the terms the source articles and the Chinese
  textbooks use): a list that swaps 过拟合 and 欠拟合, as d2l-zh's published TERMINOLOGY.md does,
  fails here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
BOOK = REPO / "book"
GLOSSARY = BOOK / "glossary.md"
CJK = re.compile(r"[\u3400-\u9fff]")
TAUGHT = re.compile(r"Taught in (?P<links>(?:\[[^\]]+\]\([^)]+\)(?:,? (?:and )?)?)+)\.")
LINK = re.compile(r"\[[^\]]+\]\((?P<path>[^)#]+)(?:#[^)]*)?\)")
TERM_ROLE = re.compile(r"\{term\}`(?P<body>[^`]+)`")
BOLD = re.compile(r"\*\*(?P<text>.+?)\*\*")

# A second source for the Chinese of the terms most often confused: the terms the source
# articles (Chinese) and the standard Chinese textbooks (周志华《机器学习》, 邱锡鹏《神经网络与深度学习》)
# use. Each English term must carry exactly this Chinese term.
SECOND_SOURCE = {
    "overfitting": "过拟合",
    "underfitting": "欠拟合",
    "activation function": "激活函数",
    "backpropagation": "反向传播",
    "learning rate": "学习率",
    "loss function": "损失函数",
    "gradient descent": "梯度下降",
    "convolutional neural network": "卷积神经网络",
    "pooling": "池化",
    "recurrent neural network": "循环神经网络",
    "vanishing gradient": "梯度消失",
    "exploding gradient": "梯度爆炸",
    "batch normalisation": "批量归一化",
    "weight decay": "权重衰减",
    "autoencoder": "自编码器",
    "linkage disequilibrium": "连锁不平衡",
    "heritability": "遗传力",
    "elastic net": "弹性网络",
    "principal component analysis": "主成分分析",
    "hidden layer": "隐藏层",
    "perceptron": "感知机",
    "weight": "权重",
    "bias": "偏置",
    "convolution": "卷积",
    "kernel": "卷积核",
    "receptive field": "感受野",
    "feature map": "特征图",
    "cross-entropy": "交叉熵",
    "mean squared error": "均方误差",
    "training set": "训练集",
    "validation set": "验证集",
    "test set": "测试集",
    "hyperparameter": "超参数",
    "cross-validation": "交叉验证",
    "hidden state": "隐状态",
    "forget gate": "遗忘门",
    "adjacency matrix": "邻接矩阵",
    "graph convolutional network": "图卷积网络",
    "encoder": "编码器",
    "decoder": "解码器",
    "residual connection": "残差连接",
    "gradient clipping": "梯度裁剪",
    "epistasis": "上位性",
    "genomic selection": "基因组选择",
    "Mendelian randomization": "孟德尔随机化",
    "self-attention": "自注意力",
    "generative adversarial network": "生成对抗网络",
    "representational similarity analysis": "表征相似性分析",
}


@dataclass
class Entry:
    terms: list[str]      # the term lines, as written
    body: str             # the indented definition

    @property
    def english(self) -> list[str]:
        return [t for t in self.terms if not CJK.search(t)]

    @property
    def chinese(self) -> list[str]:
        return [t for t in self.terms if CJK.search(t)]

    @property
    def taught_in(self) -> list[str]:
        match = TAUGHT.search(self.body)
        return [m["path"] for m in LINK.finditer(match["links"])] if match else []

    @property
    def definition(self) -> str:
        return re.split(r"Sources also write:|Taught in ", self.body)[0].strip()


def parse_glossary(text: str) -> list[Entry]:
    """The entries of the page's ```{glossary} block: term lines, then an indented body."""
    block = re.search(r"^```\{glossary\}[^\n]*\n(?P<body>.*?)^```\s*$", text, flags=re.M | re.S)
    assert block, "book/glossary.md has no ```{glossary} block"
    entries: list[Entry] = []
    for line in block["body"].splitlines():
        if not line.strip() or line.startswith(":"):
            continue
        if line.startswith((" ", "\t")):
            if entries:
                entries[-1].body = (entries[-1].body + " " + line.strip()).strip()
        elif not entries or entries[-1].body:
            entries.append(Entry([line.strip()], ""))
        else:
            entries[-1].terms.append(line.strip())
    return entries


def entry_problems(entry: Entry, book: Path = BOOK) -> list[str]:
    name = entry.terms[0] if entry.terms else "?"
    problems = []
    if not entry.english:
        problems.append(f"{name}: no English term")
    if len(entry.chinese) != 1:
        problems.append(f"{name}: {len(entry.chinese)} Chinese term lines (one wanted; variants "
                        "go in 'Sources also write:')")
    if len(entry.definition.split()) < 5:
        problems.append(f"{name}: no one-line definition")
    if not entry.taught_in:
        problems.append(f"{name}: no 'Taught in [page](path).' link")
    for path in entry.taught_in:
        if not (book / path).is_file():
            problems.append(f"{name}: 'Taught in' points at {path}, which does not exist")
    for english, chinese in SECOND_SOURCE.items():
        if english.lower() in (t.lower() for t in entry.english) and entry.chinese != [chinese]:
            problems.append(f"{name}: Chinese {entry.chinese} disagrees with the second source "
                            f"({chinese})")
    return problems


def _pages() -> list[str]:
    """The lesson pages (chapters and front pages), as paths relative to book/."""
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text())
    files = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    return [f + ".md" for f in files if f not in ("glossary", "intro")]


def _lesson_prose(page: str) -> str:
    """The lesson part of a page: without front matter, code cells, math blocks and the
    sections from Summary on."""
    text = (BOOK / page).read_text()
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)
    text = re.sub(r"^```\{code-cell\}.*?^```$", "", text, flags=re.M | re.S)
    text = re.sub(r"\$\$.*?\$\$", "", text, flags=re.S)
    return re.split(r"^## Summary\s*$", text, maxsplit=1, flags=re.M)[0]


def _target(role_body: str) -> str:
    """`text <target>` or `target`, as Sphinx reads a {term} role."""
    match = re.search(r"<([^<>]+)>\s*$", role_body)
    return (match[1] if match else role_body).strip().lower()


def bold_problems(page: str, prose: str, glossary: list[Entry]) -> list[str]:
    """Bold in a lesson means 'this term is defined here': it must be a glossary term taught
    on this page. Labels (ending in ':', '.' or '?') are not terms."""
    index = {t.lower(): e for e in glossary for t in e.terms}
    problems = []
    for match in BOLD.finditer(prose):
        text = match["text"].strip()
        roles = TERM_ROLE.findall(text)
        if not roles:
            if text.endswith((":", ".", "?")) or text == "After this chapter you can":
                continue
            problems.append(f"{page}: **{text}** is bold but not a glossary term (link it with "
                            "{term} and add it to the glossary, or use *italics*)")
            continue
        for role in roles:
            entry = index.get(_target(role))
            if entry is None:
                problems.append(f"{page}: **{{term}}`{role}`** is not in the glossary")
            elif page not in entry.taught_in:
                problems.append(f"{page} defines {_target(role)!r} in bold, but the glossary says "
                                f"it is taught in {entry.taught_in}")
    return problems


@pytest.fixture(scope="module")
def glossary() -> list[Entry]:
    return parse_glossary(GLOSSARY.read_text())


def test_the_glossary_has_150_or_more_entries(glossary):
    assert len(glossary) >= 150


def test_every_entry_has_english_chinese_a_definition_and_where_it_is_taught(glossary):
    assert [p for e in glossary for p in entry_problems(e)] == []


def test_terms_are_unique(glossary):
    seen: dict[str, str] = {}
    duplicates = []
    for entry in glossary:
        for term in entry.terms:
            if term.lower() in seen:
                duplicates.append(term)
            seen[term.lower()] = entry.terms[0]
    assert duplicates == []


def test_every_term_is_linked_from_where_it_is_taught(glossary):
    missing = []
    for entry in glossary:
        targets = {t.lower() for t in entry.terms}
        for page in entry.taught_in:
            linked = {_target(r) for r in TERM_ROLE.findall((BOOK / page).read_text())}
            if not targets & linked:
                missing.append(f"{entry.terms[0]} (taught in {page})")
    assert missing == []


@pytest.mark.parametrize("page", _pages())
def test_every_term_a_page_defines_in_bold_is_in_the_glossary(page, glossary):
    assert bold_problems(page, _lesson_prose(page), glossary) == []


def test_the_checks_catch_a_swapped_translation_and_an_unlisted_bold_term(glossary):
    swapped = Entry(["overfitting", "欠拟合"],
                    "Fitting the noise of the training data. Taught in [chapter 4](04-training/index.md).")
    assert any("second source" in p for p in entry_problems(swapped))
    no_chinese = Entry(["overfitting"], "Fitting the noise. Taught in [chapter 4](04-training/index.md).")
    assert any("Chinese" in p for p in entry_problems(no_chinese))
    prose = "A **dendrogram** is a tree; a **{term}`perceptron`** learns; **Step 1.** is a label."
    problems = bold_problems("01-neuron/index.md", prose, glossary)
    assert len(problems) == 1 and "dendrogram" in problems[0]


def test_the_parser_reads_multi_line_entries():
    text = ("```{glossary}\n:sorted:\n\nconvolutional neural network\nCNN\n卷积神经网络\n"
            "  A network that slides shared kernels. Taught in [chapter 5](05-cnn/index.md).\n\n"
            "epoch\n轮次\n  One pass over the training data. Sources also write: 周期. "
            "Taught in [chapter 3](03-backprop/index.md).\n```\n")
    first, second = parse_glossary(text)
    assert first.english == ["convolutional neural network", "CNN"] and first.chinese == ["卷积神经网络"]
    assert first.taught_in == ["05-cnn/index.md"]
    assert second.definition == "One pass over the training data." and second.chinese == ["轮次"]


def test_the_books_chinese_font_has_every_chinese_character_of_the_book():
    """The built book ships a cut-down Chinese font (tools/cjk_font.py): a character missing
    from it would fall back to whatever the reader's machine has, or to an empty box."""
    import importlib.util

    from fontTools.ttLib import TTFont

    spec = importlib.util.spec_from_file_location("cjk_font", REPO / "tools" / "cjk_font.py")
    cjk_font = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cjk_font)
    used = cjk_font.book_characters()
    assert len(used) > 100
    for name in cjk_font.WEIGHTS.values():
        path = BOOK / "_ext" / "fonts" / name
        assert path.stat().st_size < 400_000, f"{name}: keep the font small (only the book's characters)"
        covered = {chr(c) for c in TTFont(path).getBestCmap()}
        missing = sorted(used - covered)
        assert missing == [], f"{name} lacks {''.join(missing)}: run tools/cjk_font.py"
