"""The workshop page (issue 22): a Streamlit page over the what-if model of this package (docs/workshop.md)."""
