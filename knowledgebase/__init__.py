"""Knowledge base: repeated questions become help articles (built in a later issue)."""
