"""A probe page for the link fuzz (tests/test_fuzz.py): only a page's link plumbing, nothing else.

Run as ``AppTest.from_function(probe, args=(name, fields))`` with the Fields a real page declares (read
from the page through the ``spy`` fixture): it builds the page's :class:`ui.state.PageState` from them,
shows its notices and writes the link back for every field, as a page does for the controls it draws, and
computes nothing. AppTest runs the function's source as a script: it imports what it uses.
"""


def probe(name, fields):
    import ui.language
    import ui.state

    ui.language.start()  # the link's language, as every page starts
    state = ui.state.PageState(name, fields)
    state.show_notices()
    state.sync(state.fields)
