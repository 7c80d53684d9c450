"""Masking for storage: cards, IBANs and account numbers keep their kind and last four digits;
everything else in the text is kept as typed."""
import pytest

from moderation.engine.pii import mask_payment_numbers, masked_numbers


@pytest.mark.parametrize(("text", "masked"), [
    ("My card 4111 1111 1111 1111 was charged twice",
     "My card [card ending 1111] was charged twice"),
    ("card 4111-1111-1111-1111.", "card [card ending 1111]."),
    ("Amex 378282246310005 please", "Amex [card ending 0005] please"),
    ("refund to GB82 WEST 1234 5698 7654 32 thanks", "refund to [IBAN ending 5432] thanks"),
    ("IBAN: de89370400440532013000.", "IBAN: [IBAN ending 3000]."),
    ("my account number is 12345678", "my account number is [account ending 5678]"),
    # before punctuation or in brackets
    ("card 4111 1111 1111 1111...", "card [card ending 1111]..."),
    ("card 4111 1111 1111 1111.Thanks", "card [card ending 1111].Thanks"),
    ("card (4111 1111 1111 1111).", "card ([card ending 1111])."),
    ("refund to (GB82 WEST 1234 5698 7654 32).", "refund to ([IBAN ending 5432])."),
    ("my account number is (12345678).", "my account number is ([account ending 5678])."),
    ("my account number (12345678) is wrong", "my account number ([account ending 5678]) is wrong"),
])
def test_mask_payment_numbers_keeps_kind_and_last_four(text, masked):
    assert mask_payment_numbers(text) == masked


@pytest.mark.parametrize("text", [
    "Call me on 020 7946 0958 or mail dan@example.com",
    "Order #4111111111111111 has not arrived",  # labelled: an order number, not a card
    "Firmware 4.1.1, port 8080, router at 192.168.1.1, error 0x80070005",
    "4111 1111 1111 1112 fails Luhn",
    "",
])
def test_mask_payment_numbers_leaves_other_text_as_typed(text):
    assert mask_payment_numbers(text) == text


def test_mask_payment_numbers_is_idempotent():
    once = mask_payment_numbers("card 4111 1111 1111 1111 and GB82 WEST 1234 5698 7654 32")
    assert mask_payment_numbers(once) == once and "1111 1111" not in once


def test_masked_numbers_finds_what_masking_wrote_each_once():
    masked = mask_payment_numbers("card 4111 1111 1111 1111, again 4111111111111111, IBAN "
                                  "GB82 WEST 1234 5698 7654 32, order 20231145")
    assert masked_numbers(masked) == ["[card ending 1111]", "[IBAN ending 5432]"]
    assert masked_numbers("order 20231145 and [card ending] typed by hand") == []
