from typing import Any

from dispatch.learning.training import train_models

URL = "/api/v1/classify"


def test_classify_before_training_is_409_model_not_trained(api: Any, desk: Any) -> None:
    response = api.post(URL, {"subject": "Outlook keeps asking for password"})
    assert response.status_code == 409
    assert "MODEL_NOT_TRAINED" in response.content.decode()


def test_classify_with_both_texts_empty_is_400_invalid_ticket_data(api: Any, desk: Any) -> None:
    train_models()
    response = api.post(URL, {"subject": "  ", "description": ""})
    assert response.status_code == 400
    assert "INVALID_TICKET_DATA" in response.content.decode()


def test_classify_after_training_returns_category_and_top5_descending(api: Any, desk: Any) -> None:
    train_models()
    body = api.post(URL, {"subject": "VPN drops", "description": "the wifi switch shows errors"}).json()
    assert body["category"] == "Network"
    confidences = [a["confidence"] for a in body["alternatives"]]
    assert confidences == sorted(confidences, reverse=True) and len(confidences) <= 5
    assert body["alternatives"][0] == {"category": "Network", "confidence": body["confidence"]}
