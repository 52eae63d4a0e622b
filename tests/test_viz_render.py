"""Rendering drawings to SVG and PNG: with the bundled graphviz-pure (no system Graphviz needed),
with a system ``dot`` where one exists, inline in Jupyter, to files, and the error when nothing
can render."""

from __future__ import annotations

import shutil
import struct
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import autograd_engine
from autograd_engine import MLP, Value, draw_dot, save_graph
from autograd_engine.viz import dot, render, render_graph
from autograd_engine.viz.nodes import text_width
from autograd_engine.viz.render import (
    SVG_FONT_FAMILY,
    Fit,
    RendererNotFoundError,
    RenderError,
    find_renderer,
)

pytest.importorskip("graphviz")

SVG = "{http://www.w3.org/2000/svg}"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def pure(monkeypatch: pytest.MonkeyPatch) -> str:
    """Hide any system ``dot``, so rendering uses graphviz-pure (as on a machine without one)."""
    real_which = shutil.which

    def which(cmd: str, mode: int = 0, path: str | None = None) -> str | None:
        return None if cmd == "dot" else real_which(cmd, path=path)

    monkeypatch.setattr(render.shutil, "which", which)
    program = find_renderer()
    if program is None:
        pytest.fail("graphviz-pure is a test dependency (pip install graphviz-pure) but not found")
    assert Path(program).name.startswith("graphviz-pure")
    return program


@pytest.fixture
def nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No renderer anywhere: neither on PATH nor next to Python."""
    monkeypatch.setattr(render.shutil, "which", lambda cmd, mode=0, path=None: None)
    monkeypatch.setattr(render, "_script_dirs", lambda: [str(tmp_path)])


def example() -> Value:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    out = (a * b + a).tanh()
    out.label = "out"
    out.backward()
    return out


def svg_texts(svg: bytes | str) -> list[str]:
    """Every text run of an SVG, XML-unescaped (raises if the SVG is not well-formed XML)."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return [(t.text or "").replace("\xa0", " ") for t in root.iter(f"{SVG}text")]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_svg_from_graphviz_pure_is_well_formed_and_shows_every_label(pure: str) -> None:
    svg = render_graph(draw_dot(example()), "svg")
    texts = svg_texts(svg)
    for text in ("a", "b", "out", "data 2", "*", "+", "tanh"):
        assert text in texts
    assert svg.count(b'class="node"') == 8  # 5 values and 3 ops


def test_png_from_graphviz_pure_is_a_real_image_of_plausible_size(pure: str) -> None:
    data = render_graph(draw_dot(example()), "png")
    width, height = png_size(data)
    assert 300 < width < 3000 and 50 < height < 1000
    assert len(data) > 2000


def test_renderer_is_found_next_to_python_when_path_is_empty(
    pure: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "")
    found = find_renderer()
    assert found is not None
    assert Path(found).parent in {Path(d) for d in render._script_dirs()}
    assert render_graph(Value(1.0) + 2, "svg").startswith(b"<?xml")


@pytest.mark.skipif(shutil.which("dot") is None, reason="no system Graphviz dot installed")
def test_system_dot_is_preferred_and_renders_svg_and_png() -> None:
    assert find_renderer() == shutil.which("dot")
    drawing = draw_dot(example())
    assert "out" in svg_texts(render_graph(drawing, "svg"))
    assert png_size(render_graph(drawing, "png"))[0] > 100


# -- the Digraph: inline display, pipe, render -----------------------------------------------------


def test_inline_display_in_jupyter_is_an_svg(pure: str) -> None:
    bundle = draw_dot(example())._repr_mimebundle_()
    assert set(bundle) == {"image/svg+xml"}
    assert "out" in svg_texts(bundle["image/svg+xml"])
    png = draw_dot(example())._repr_mimebundle_(include=["image/png"])["image/png"]
    assert png[:8] == PNG_MAGIC


def test_pipe_and_render_work_with_graphviz_pure(pure: str, tmp_path: Path) -> None:
    drawing = draw_dot(example(), format="png")
    assert drawing.pipe()[:8] == PNG_MAGIC
    assert drawing.pipe(format="svg", encoding="utf-8").startswith("<?xml")
    path = drawing.render(tmp_path / "graph")
    assert path == str(tmp_path / "graph.png")
    assert Path(path).read_bytes()[:8] == PNG_MAGIC
    assert (tmp_path / "graph").read_text(encoding="utf-8") == drawing.source
    out = drawing.render(outfile=tmp_path / "pic.svg", cleanup=True)
    assert out == str(tmp_path / "pic.svg")
    svg_texts(Path(out).read_bytes())
    assert not (tmp_path / "pic.gv").exists()  # cleanup removed the DOT file


def test_drawing_is_a_graphviz_digraph_and_copies_keep_the_renderer(pure: str) -> None:
    import graphviz

    drawing = draw_dot(example())
    assert isinstance(drawing, graphviz.Digraph)
    assert isinstance(drawing.copy(), type(drawing))
    assert drawing.copy().fit == drawing.fit == Fit(smallest_text=11.0, turn=True)
    assert drawing.copy().pipe(format="svg")[:5] == b"<?xml"
    assert render.GraphDrawing is type(drawing)
    assert not hasattr(dot, "GraphDrawing")  # made in one place only


def test_save_graph_and_render_graph_take_a_value_in_the_drawing_code_only() -> None:
    assert autograd_engine.save_graph is autograd_engine.viz.save_graph is dot.save_graph
    assert autograd_engine.viz.render_graph is dot.render_graph
    with pytest.raises(TypeError, match=r"expected a drawing \(from draw_dot\) or DOT text"):
        render.render_drawing(Value(1.0))  # rendering knows nothing of Value


# -- files -----------------------------------------------------------------------------------------


def test_save_graph_picks_the_format_from_the_file_name(pure: str, tmp_path: Path) -> None:
    out = example()
    svg = save_graph(draw_dot(out), tmp_path / "g.svg")
    svg_texts(svg.read_bytes())
    png = save_graph(out, tmp_path / "sub" / "g.png")  # a Value is drawn with the defaults
    png_size(png.read_bytes())
    jpg = save_graph(out, tmp_path / "g.jpg")
    assert jpg.read_bytes()[:2] == b"\xff\xd8"
    dot = save_graph(draw_dot(out), tmp_path / "g.gv")
    assert dot.read_text(encoding="utf-8") == draw_dot(out).source


def test_save_graph_with_an_unknown_suffix_says_which_ones_work(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"suffix '\.pdfx' .* use one of .*\.png, \.svg"):
        save_graph(Value(1.0) + 1, tmp_path / "g.pdfx")
    assert list(tmp_path.iterdir()) == []


def test_save_graph_expands_the_home_folder(pure: str, home_and_work: tuple[Path, Path]) -> None:
    home, work = home_and_work
    path = save_graph(example(), "~/slides/g.svg")
    assert path == home / "slides" / "g.svg"
    assert svg_texts(path.read_bytes())
    assert list(work.iterdir()) == []  # no folder named "~"


def test_a_failed_render_creates_no_file_and_no_folder(pure: str, tmp_path: Path) -> None:
    with pytest.raises(RenderError):
        save_graph("digraph { a -> }", tmp_path / "new" / "folder" / "g.svg")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_render_leaves_the_old_file_as_it_was(pure: str, tmp_path: Path) -> None:
    path = save_graph(example(), tmp_path / "g.svg")
    before = path.read_bytes()
    with pytest.raises(RenderError):
        save_graph("digraph { a -> }", path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["g.svg"]


def test_png_at_300_dpi_is_the_96_dpi_image_scaled_by_300_over_96(pure: str) -> None:
    drawing = draw_dot(example())
    width, height = png_size(render_graph(drawing, "png"))
    big_width, big_height = png_size(render_graph(drawing, "png", dpi=300))
    assert big_width == pytest.approx(width * 300 / 96, rel=0.02)
    assert big_height == pytest.approx(height * 300 / 96, rel=0.02)


def test_save_graph_with_dpi_300_writes_a_print_sized_png(pure: str, tmp_path: Path) -> None:
    small = png_size(save_graph(example(), tmp_path / "a.png").read_bytes())
    big = png_size(save_graph(example(), tmp_path / "b.png", dpi=300).read_bytes())
    assert big[0] > 3 * small[0]
    with pytest.raises(ValueError, match="dpi should be a number from 1 to 2400"):
        save_graph(example(), tmp_path / "c.png", dpi=0)


def test_pdf_without_a_system_graphviz_says_how_to_get_print_quality(
    pure: str, tmp_path: Path
) -> None:
    with pytest.raises(ValueError) as info:
        save_graph(example(), tmp_path / "slides" / "g.pdf")
    message = str(info.value)
    assert "graphviz-pure, which has no PDF output" in message
    assert "g.svg" in message and "dpi=300" in message and "rsvg-convert -f pdf" in message
    assert list(tmp_path.iterdir()) == []


def test_a_render_past_its_time_limit_raises_render_error_suggesting_the_grouped_view(
    pure: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = tmp_path / "graphviz-pure-slow"
    slow.write_text("#!/bin/sh\nsleep 5\n")
    slow.chmod(0o755)
    monkeypatch.setattr(render, "find_renderer", lambda: str(slow))
    with pytest.raises(RenderError) as info:
        save_graph(example(), tmp_path / "g.svg", timeout=0.5)
    message = str(info.value)
    assert "within 0.5 s and was stopped" in message
    assert "draw_dot(loss, model=model)" in message and "timeout=" in message
    assert not (tmp_path / "g.svg").exists()


# -- fit: the page and any font ----------------------------------------------------------------


def test_fit_scales_a_wide_drawing_to_the_page_but_not_below_the_text_floor() -> None:
    fit = Fit(max_width=800.0, smallest_text=10.0, min_text_px=9.0)
    assert fit.scale(700.0) == 1.0
    assert fit.scale(1000.0) == pytest.approx(0.8)
    floor = 9.0 / (10.0 * 4 / 3)  # 10 pt text shown at 9 px
    assert fit.scale(10_000.0) == pytest.approx(floor)
    assert fit.fits(800.0 / floor) and not fit.fits(800.0 / floor + 1)


def test_the_page_is_820_px_wide_the_readme_column_and_jupyterlab_with_its_file_browser() -> None:
    assert Fit().max_width * 4 / 3 == pytest.approx(820)  # under 830 px and 848 px


def wide_graph() -> Value:
    """A sum of 14 labelled products: 15 cards side by side in one rank, far wider than a page."""
    terms = [Value(float(i), label=f"x{i}") * Value(2.0, label=f"w{i}") for i in range(14)]
    out = Value.sum(terms)
    out.backward()
    return out


def size_of(svg: bytes) -> tuple[float, float]:
    """An SVG's width and height as shown, in points."""
    root = ET.fromstring(svg)
    return tuple(float(root.get(k, "").removesuffix("pt")) for k in ("width", "height"))  # type: ignore[return-value]


def test_a_drawing_wider_than_a_notebook_column_is_shown_scaled_to_fit(pure: str) -> None:
    drawing = draw_dot(wide_graph(), rankdir="TB")
    natural = ET.fromstring(render.render_drawing(drawing.source, "svg"))
    fitted = ET.fromstring(render_graph(drawing, "svg"))
    natural_width = float(natural.get("width", "").removesuffix("pt"))
    width = float(fitted.get("width", "").removesuffix("pt"))
    assert natural_width > 1000  # the test graph is too wide as laid out
    scale = width / natural_width
    fit = drawing.fit
    assert width == pytest.approx(fit.max_width, abs=0.01) or scale == pytest.approx(
        fit.scale(1e9), 1e-3
    )
    assert fit.smallest_text * 4 / 3 * scale >= 9.5 - 1e-9  # the smallest text stays readable
    assert fitted.get("viewBox") == natural.get("viewBox")  # the same drawing, shown smaller


def test_png_of_a_wide_drawing_is_scaled_too(pure: str) -> None:
    drawing = draw_dot(wide_graph(), rankdir="TB")
    natural = png_size(render.render_drawing(drawing.source, "png"))[0]
    fitted = png_size(render_graph(drawing, "png"))[0]
    assert fitted == pytest.approx(natural * drawing.fit.scale(natural * 72 / 96), rel=0.01)


def chain() -> Value:
    """L = (x*y + x)**2 as notebook 02 builds it: seven columns left to right, too wide."""
    x, y = Value(3.0, label="x"), Value(-2.0, label="y")
    s = x * y
    s.label = "s"
    t = s + x
    t.label = "t"
    out = t * t
    out.label = "L"
    return out


def test_a_long_chain_is_turned_top_to_bottom_where_left_to_right_would_be_too_small(
    pure: str,
) -> None:
    left_to_right = size_of(render.render_drawing(draw_dot(chain(), rankdir="LR").source))
    fit = draw_dot(chain()).fit
    assert fit.turn and fit.scale(left_to_right[0]) < fit.turn_below  # shrunk below 70%
    shown = render_graph(draw_dot(chain()), "svg")
    top_to_bottom = render_graph(draw_dot(chain(), rankdir="TB"), "svg")
    assert shown == top_to_bottom  # turned, and not scaled: it fits as it is
    width, height = size_of(shown)
    assert width <= fit.max_width and height > width
    assert "rankdir=LR" in draw_dot(chain()).source  # the text is left to right either way
    # asked for left to right, it stays so (scaled down, text at the floor or above)
    kept = size_of(render_graph(draw_dot(chain(), rankdir="LR"), "svg"))
    assert kept[0] > kept[1]


def test_a_graph_that_fits_left_to_right_stays_left_to_right(pure: str) -> None:
    from autograd_engine.viz import lecture_graph, neuron_graph

    lecture, neuron = lecture_graph(), neuron_graph()
    lecture.backward()
    neuron.backward()
    for root in (lecture, neuron, wide_graph()):
        shown = render_graph(draw_dot(root), "svg")
        assert shown == render_graph(draw_dot(root, rankdir="LR"), "svg")
        assert size_of(shown)[0] <= Fit().max_width + 0.01


def test_a_graph_too_wide_both_ways_takes_the_way_that_shows_it_larger(pure: str) -> None:
    # fifty independent products summed: left to right tall and fitting; top to bottom very wide
    terms = [Value(float(i)) * Value(1.0) for i in range(50)]
    root = Value.sum(terms)
    fit = draw_dot(root).fit
    widths = {
        way: size_of(render.render_drawing(draw_dot(root, rankdir=way).source))[0]
        for way in ("LR", "TB")
    }
    best = max(widths, key=lambda way: (fit.fits(widths[way]), fit.scale(widths[way])))
    assert render_graph(draw_dot(root), "svg") == render_graph(draw_dot(root, rankdir=best), "svg")


def test_backward_frames_of_a_long_chain_are_all_turned_alike(pure: str) -> None:
    from autograd_engine import backward_steps, draw_backward_step

    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c, f = Value(10.0, label="c"), Value(-2.0, label="f")
    out = ((a * b + c) * f + a).tanh()  # nine columns left to right
    steps = list(backward_steps(out))
    sizes = {size_of(render_graph(draw_backward_step(steps, k), "svg")) for k in (1, 4, 8)}
    assert len(sizes) == 1  # every frame the same size: all turned, or none
    turned = render_graph(draw_backward_step(steps, 4, rankdir="TB"), "svg")
    assert sizes == {size_of(turned)}


def cell_widths(svg: bytes) -> list[tuple[str, float, float, bool]]:
    """(text, its width in DejaVu Sans, the width of the smallest polygon around it, bold)."""
    root = ET.fromstring(svg)
    boxes = []
    for polygon in list(root.iter(f"{SVG}polygon"))[1:]:  # [0] is the white background
        points = [tuple(map(float, p.split(","))) for p in polygon.get("points", "").split()]
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        boxes.append((min(xs), max(xs), min(ys), max(ys)))
    found = []
    for text in root.iter(f"{SVG}text"):
        x, y = float(text.get("x", "0")), float(text.get("y", "0"))
        size = float(text.get("font-size", "11"))
        content = (text.text or "").replace("\xa0", " ")
        width = text_width(content, size)
        anchor = text.get("text-anchor")
        left = x - width / 2 if anchor == "middle" else x - width if anchor == "end" else x
        around = [b for b in boxes if b[0] <= left + 0.01 < b[1] and b[2] <= y <= b[3]]
        if not around or not content.strip():
            continue
        box = min(around, key=lambda b: (b[1] - b[0]) * (b[3] - b[2]))
        found.append((content, left + width, box[1], text.get("font-weight") == "bold"))
    return found


def test_every_text_fits_its_cell_when_set_in_dejavu_sans_the_widest_font_named(
    pure: str,
) -> None:
    # the SVG names DejaVu Sans first and then only fonts no wider (Helvetica-width), so text
    # measured in DejaVu Sans fits whichever of them a viewer has (the browser suite checks
    # the same in Chromium with only DejaVu or only Liberation fonts installed)
    assert SVG_FONT_FAMILY.split(",")[0] == "DejaVu Sans"
    a, b = Value(-2.0, label="a"), Value(-6.0, label="weight")
    out = (a * b + Value(1e-5)).tanh()
    out.label = "out"
    out.backward()
    svg = render_graph(draw_dot(out), "svg")
    assert f'font-family="{SVG_FONT_FAMILY}"'.encode() in svg
    cells = [c for c in cell_widths(svg) if not c[3]]  # bold labels are centred in wider cells
    assert len(cells) >= 10
    for content, right, box_right, _ in cells:
        assert right <= box_right + 0.5, (content, right, box_right)


def test_unknown_format_raises_render_error_with_the_renderers_message(pure: str) -> None:
    with pytest.raises(RenderError, match="could not render the graph as 'nonsense'"):
        render_graph(Value(1.0) + 1, "nonsense")


def test_render_graph_rejects_what_is_not_a_graph() -> None:
    with pytest.raises(TypeError, match=r"expected a drawing .* got int 3"):
        render_graph(3)


# -- nothing to render with ------------------------------------------------------------------------


def test_without_any_renderer_the_error_says_what_to_install(nothing: None) -> None:
    assert find_renderer() is None
    drawing = draw_dot(example())
    assert drawing.source.startswith("digraph {")  # DOT text needs no renderer
    for attempt in (
        lambda: drawing.pipe(format="svg"),
        lambda: drawing._repr_mimebundle_(),
        lambda: render_graph(drawing, "png"),
    ):
        with pytest.raises(RendererNotFoundError) as info:
            attempt()
        message = str(info.value)
        assert "pip install graphviz-pure" in message
        assert 'pip install "autograd_engine[viz]"' in message
        assert ".source" in message


def test_without_any_renderer_the_dot_text_can_still_be_saved(
    nothing: None, tmp_path: Path
) -> None:
    path = save_graph(example(), tmp_path / "g.dot")
    assert path.read_text(encoding="utf-8").startswith("digraph {")


def test_without_the_graphviz_package_draw_dot_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "graphviz", None)
    render.drawing_class.cache_clear()
    try:
        with pytest.raises(ImportError, match=r'pip install "autograd_engine\[viz\]"'):
            draw_dot(Value(1.0) + 1)
    finally:
        monkeypatch.undo()
        render.drawing_class.cache_clear()


# -- hostile labels, rendered ----------------------------------------------------------------------

HOSTILE = {
    "quotes": "say \"hi\" and 'bye'",
    "backslashes": "a\\b \\n \\\\ \\N \\G \\L",
    "record_chars": "|{}<>",
    "ampersand": "A & B &amp; &lt; &#60;",
    "newlines": "first\nsecond\r\nthird",
    "html": "<b>bold</b> <TABLE><TR><TD>x</TD></TR></TABLE> <BR/>",
    "dot_injection": '"]; n0 -> n1 [label="pwned"]; x [label=<',
    "unicode": "é ∂ 日本語 😀 ½",
    "spaces": "two  spaces   three",
}


@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
def test_hostile_label_renders_to_valid_svg_showing_the_text_as_typed(pure: str, text: str) -> None:
    a = Value(1.0, label=text)
    b = a * 2
    b.label = text
    svg = render_graph(draw_dot(b.tanh()), "svg")
    texts = svg_texts(svg)  # parses as XML
    lines = text.replace("\r\n", "\n").split("\n")
    for line in lines:
        assert texts.count(line) == 2, (line, texts)  # on both labelled nodes
    assert svg.count(b'class="node"') == 6  # 4 values and 2 ops: the structure is intact


def test_control_characters_render_as_visible_escapes_in_valid_svg(pure: str) -> None:
    a = Value(1.0, label="bell\x07 null\x00 tab\t")
    texts = svg_texts(render_graph(draw_dot(a * 2), "svg"))
    assert "bell\\x07 null\\x00 tab\\t" in texts


def test_grouped_mlp_view_renders_to_valid_svg(pure: str) -> None:
    model = MLP(2, [4, 4, 1], seed=0)
    loss = Value.sum([(model([0.3 * i, -0.1 * i]) - 1.0) ** 2 for i in range(3)])  # type: ignore[operator]
    loss.backward()
    texts = svg_texts(render_graph(draw_dot(loss, model=model, color_grads=True), "svg"))
    assert {"layers[0]: 4 neurons", "layers[1]: 4 neurons", "layers[2]: 1 neuron"} <= set(texts)
    assert sorted(t for t in texts if t.startswith("neurons[")) == sorted(
        [f"neurons[{j}]" for j in range(4)] * 2 + ["neurons[0]"]
    )


# -- the README's slide example --------------------------------------------------------------------


def readme_slides_example() -> str:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    after = readme.split("<!-- slides example: run by tests/test_viz_render.py -->", 1)[1]
    return after.split("```python\n", 1)[1].split("```", 1)[0]


def test_readme_slides_example_writes_the_slides_with_numbers_worth_showing(
    pure: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    exec(compile(readme_slides_example(), "README.md", "exec"), {})
    slides = tmp_path / "slides"
    names = {"neuron.svg", "neuron_tall.svg", "neuron.png", "step1.svg"}
    assert {p.name for p in slides.iterdir()} == names
    texts = svg_texts((slides / "neuron.svg").read_bytes())
    for shown in ("data 0.8814", "data 0.7071", "grad 0.5", "grad -1.5", "grad 1", "grad 0"):
        assert shown in texts, shown
    assert not any("e-" in t for t in texts)  # no vanishing gradients on this slide
    step = (slides / "step1.svg").read_text(encoding="utf-8")
    assert "step 1 of 10: o (op tanh, data 0.7071)" in step
    width_96 = png_size(render_graph(draw_dot(Value(1.0)), "png"))[0]
    width_300 = png_size(render_graph(draw_dot(Value(1.0)), "png", dpi=300))[0]
    assert width_300 > 3 * width_96
    assert png_size((slides / "neuron.png").read_bytes())[0] > 1500  # print-sized


# -- the drawing package's imports -----------------------------------------------------------------


def imports_of(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) for each ``from module import names`` of a file, relative dots kept."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        ("." * node.level + (node.module or ""), [a.name for a in node.names])
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    ]


def test_drawing_modules_import_downwards_only_and_no_private_names() -> None:
    package = Path(autograd_engine.__file__).parent
    viz_dir = package / "viz"
    layers = ["render", "nodes", "examples", "grouped", "dot"]  # each may import only earlier ones
    for position, name in enumerate(layers):
        for module, names in imports_of(viz_dir / f"{name}.py"):
            if module.startswith(".") and not module.startswith(".."):
                assert module[1:] in layers[:position], (name, module)
            assert not any(n.startswith("_") for n in names), (name, module, names)
    render_imports = [module for module, _ in imports_of(viz_dir / "render.py")]
    assert "..value" not in render_imports  # rendering knows nothing of Value
    for module, names in imports_of(package / "stepper.py"):
        if ".viz" in module:
            assert not any(n.startswith("_") for n in names), (module, names)
