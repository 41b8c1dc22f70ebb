"""Reading articles (text, web pages, PDF, Word), cutting them into passages, embedding them."""
