"""achats.model.yamlsource reads front matter exactly as YAML's safe loader does, with lines."""

import pytest
import yaml

from achats.model import yamlsource

DOCUMENTS = [
    "a: yes\nb: 12\nc: 2012-10-03\nd: ~\ne: ''\nf: '12'\ng: 1.5\nh: [x, 'y', 3]\n"
    "i: {j: null, k: true}\nl: -1\nm: 0x1F\nn: .inf\nq:\nr: No\ns: 1_000\nt: 0o17\n"
    "u: +12.5e3\nw: 'yes'\nx: \"on\"\ny: Off\nz: 2001-12-14t21:59:43.10-05:00\n",
    "- 1\n- deux\n- [trois, 4.0]\n- {cinq: 5}\n",
    "titre: « Clause » — réemploi\nliste:\n  - un\n  - 2\nx: !!str 12\n",
]


@pytest.mark.parametrize("text", DOCUMENTS)
def test_values_are_those_of_the_safe_loader(text):
    value, _lines = yamlsource.parse(text)
    assert value == yaml.load(text, Loader=yaml.SafeLoader)


def test_lines_of_keys_and_items_are_file_lines():
    _value, lines = yamlsource.parse("titre: T\nliste:\n  - un\n  - deux\n", first_line=2)
    assert lines == {"titre": 2, "liste": 3, "liste[0]": 4, "liste[1]": 5}


def test_duplicate_keys_are_refused():
    with pytest.raises(yamlsource.DuplicateKeyError) as error:
        yamlsource.parse("id: CL-001\nid: CL-002\n")
    assert error.value.key == "id" and error.value.line == 2
