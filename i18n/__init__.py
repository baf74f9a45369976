"""The product's words in the reader's language: one gettext catalogue (``i18n/locale``) for pages, mails and
reports, and the labels of the values a case carries."""
