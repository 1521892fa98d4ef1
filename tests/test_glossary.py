"""Glossary tooltips put into finished HTML (achats.render.glossary)."""

from achats.render.glossary import Glossary

GLOSSARY = Glossary({"CAO": "Commission d'appel d'offres", "AE": "Acte d'engagement",
                     "CCAP": "Cahier des clauses administratives particulières"})
CAO = '<abbr title="Commission d&#x27;appel d&#x27;offres">CAO</abbr>'


def test_text_is_marked_tags_and_attributes_are_not():
    html = '<h2 id="cao">La CAO</h2><p>Voir <a title="CAO" href="cao/">la CAO</a>.</p>'
    assert GLOSSARY.apply(html) == (f'<h2 id="cao">La {CAO}</h2>'
                                    f'<p>Voir <a title="CAO" href="cao/">la {CAO}</a>.</p>')


def test_whole_words_only_longest_first():
    assert GLOSSARY.apply("<p>CAOS, CCAP et AE.</p>") == (
        '<p>CAOS, <abbr title="Cahier des clauses administratives particulières">CCAP</abbr> '
        'et <abbr title="Acte d&#x27;engagement">AE</abbr>.</p>')


def test_code_existing_abbr_comments_and_buttons_are_left_alone():
    html = ('<p><code>CAO</code> <abbr title="autre">CAO</abbr> <!-- CAO --> '
            '<button type="button">CAO</button> <pre><code>AE\nCAO</code></pre> CAO</p>')
    assert GLOSSARY.apply(html) == html[:-len("CAO</p>")] + CAO + "</p>"


def test_generated_tables_get_tooltips_too():
    assert CAO in GLOSSARY.apply("<table><tr><td>Avis de la CAO</td></tr></table>")


def test_empty_glossary_changes_nothing():
    assert Glossary({}).apply("<p>CAO</p>") == "<p>CAO</p>"


def test_abbreviations_that_are_not_capitals_are_found_too():
    glossary = Glossary({"e-achat": "Achat dématérialisé", "CAO": "Commission"})
    assert glossary.apply("<p>L'e-achat et la CAO ; pas les e-achats.</p>") == (
        '<p>L\'<abbr title="Achat dématérialisé">e-achat</abbr> et la '
        '<abbr title="Commission">CAO</abbr> ; pas les e-achats.</p>')
