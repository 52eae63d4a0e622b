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

from autograd_engine import MLP, Value, draw_dot, save_graph
from autograd_engine.viz import dot as viz
from autograd_engine.viz import render
from autograd_engine.viz.render import (
    RendererNotFoundError,
    RenderError,
    find_renderer,
    render_graph,
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
    for text in ("a", "b", "out", "data 2.0000", "*", "+", "tanh"):
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
    assert drawing.copy().pipe(format="svg")[:5] == b"<?xml"
    assert render.GraphDrawing is type(drawing) is viz.GraphDrawing


def test_rendering_names_are_importable_from_viz_too() -> None:
    for name in ("RenderError", "RendererNotFoundError", "find_renderer", "render_graph"):
        assert getattr(viz, name) is getattr(render, name)
    assert viz.save_graph is render.save_graph is save_graph


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
    forced = save_graph(out, tmp_path / "image.bin", format="png")
    png_size(forced.read_bytes())


def test_save_graph_with_an_unknown_suffix_says_which_ones_work(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.svg, \.png, .*format='png'"):
        save_graph(Value(1.0) + 1, tmp_path / "g.pdfx")


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
    render._drawing_class.cache_clear()
    try:
        with pytest.raises(ImportError, match=r'pip install "autograd_engine\[viz\]"'):
            draw_dot(Value(1.0) + 1)
    finally:
        monkeypatch.undo()
        render._drawing_class.cache_clear()


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
    assert "layers[2].neurons[0]" in texts
    assert sum(1 for t in texts if t.startswith("layers[") and ".neurons[" in t) == 9
