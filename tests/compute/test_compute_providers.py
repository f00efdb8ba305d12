import pytest

from swarmfi.compute.providers import load_registry, preset_text, registry_from_env
from swarmfi.compute.types import Usage
from swarmfi.errors import StateError

PRESETS = {
    "llamacpp": "local",
    "ollama": "local",
    "vllm": "local",
    "deepseek": "cloud",
    "openai": "cloud",
    "akash": "cloud",
    "ionet": "cloud",
    "chutes": "cloud",
    "phala": "tee",
}


def test_presets_cover_every_named_service_with_its_privacy_class():
    registry = load_registry(user=False)
    assert {p.name: p.privacy for p in registry.providers} == PRESETS
    assert registry.settings.objective == "cheapest"


def test_presets_name_key_variables_not_keys():
    registry = load_registry(user=False)
    for p in registry.providers:
        assert p.base_url.startswith(("http://127.0.0.1", "https://"))
        if p.privacy != "local":
            assert p.api_key_env and p.api_key_env.isupper()
    assert "sk-" not in preset_text()


def test_local_presets_are_free_and_cloud_prices_are_per_million():
    registry = load_registry(user=False)
    assert registry.get("llamacpp").cost(Usage(10_000, 10_000)) == 0.0
    openai = registry.get("openai")
    assert openai.cost(Usage(1_000_000, 1_000_000)) == pytest.approx(
        openai.price_in + openai.price_out
    )


def test_user_file_merges_field_by_field_and_adds_providers(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (home / "providers.toml").write_text(
        "[providers.deepseek]\nprice_in = 9.5\n\n"
        '[providers.mybox]\nbase_url = "http://127.0.0.1:9999/v1"\nmodels = ["q"]\n'
        'price_in = 0\nprice_out = 0\nprivacy = "local"\n\n'
        '[providers.openai]\nenabled = false\n\n[router]\nobjective = "fastest"\n'
    )
    monkeypatch.setenv("SWARMFI_HOME", str(home))
    registry = load_registry()
    deepseek = registry.get("deepseek")
    assert deepseek.price_in == 9.5
    assert deepseek.base_url == "https://api.deepseek.com/v1"
    assert registry.get("mybox").privacy == "local"
    assert "openai" not in {p.name for p in registry.active()}
    assert registry.settings.objective == "fastest"
    assert registry.sources[-1].endswith("providers.toml")


def test_invalid_toml_is_a_state_error_naming_the_file(tmp_path):
    bad = tmp_path / "p.toml"
    bad.write_text("[providers.x\n")
    with pytest.raises(StateError) as info:
        load_registry(bad, user=False)
    assert str(bad) in info.value.message


def test_unknown_field_and_bad_privacy_are_refused(tmp_path):
    bad = tmp_path / "p.toml"
    bad.write_text('[providers.openai]\napi_key = "sk-inline"\nprivacy = "public"\n')
    with pytest.raises(StateError) as info:
        load_registry(bad, user=False)
    assert "api_key" in info.value.message
    assert "privacy" in info.value.message
    assert "sk-inline" not in info.value.message


def test_missing_explicit_file_is_a_state_error(tmp_path):
    with pytest.raises(StateError):
        load_registry(tmp_path / "nope.toml", user=False)


def test_key_is_read_from_the_environment_at_call_time():
    openai = load_registry(user=False).get("openai")
    assert not openai.has_key({})
    endpoint = openai.endpoint({"OPENAI_API_KEY": "sk-abc"})
    assert endpoint.api_key == "sk-abc"
    assert "sk-abc" not in repr(endpoint)


def test_base_url_from_env_defines_one_provider():
    env = {"SWARMFI_LLM_BASE_URL": "http://127.0.0.1:5000/v1", "SWARMFI_LLM_MODEL": "tiny"}
    registry = registry_from_env(env)
    (only,) = registry.providers
    assert (only.name, only.privacy, only.model) == ("env", "local", "tiny")
    remote = registry_from_env({"SWARMFI_LLM_BASE_URL": "https://llm.example.com/v1"})
    assert remote.providers[0].privacy == "cloud"


def test_provider_list_from_env_restricts_the_active_set():
    registry = registry_from_env({"SWARMFI_LLM_PROVIDERS": "phala, llamacpp"})
    assert {p.name for p in registry.active()} == {"phala", "llamacpp"}
    with pytest.raises(StateError):
        registry_from_env({"SWARMFI_LLM_PROVIDERS": "nosuch"})
