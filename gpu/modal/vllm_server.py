"""Archive's inference engine on Modal: vLLM's OpenAI-compatible server as a Modal web endpoint.

Deploy:  modal deploy gpu/modal/vllm_server.py
Archive then finds the URL itself (INFERENCE_MODAL_APP=archive-vllm, INFERENCE_MODAL_FUNCTION=serve);
see README.md next to this file.
"""

import subprocess

import modal

MODEL = "Qwen/Qwen2.5-3B-Instruct"
# Speech to text for Archive's voice function (VOICE_STT_ENDPOINTS): vLLM serves Whisper at
# /v1/audio/transcriptions. Turbo is large-v3 with a 4-layer decoder: near large-v3 accuracy, fast.
WHISPER_MODEL = "openai/whisper-large-v3-turbo"
VLLM_VERSION = "0.10.2"  # the same release as the compose file's image
PORT = 8000
MINUTES = 60

image = (
    modal.Image.debian_slim(python_version="3.12")
    # The `audio` extra brings the decoders Whisper's endpoint needs (librosa, soundfile).
    .pip_install(f"vllm[audio]=={VLLM_VERSION}", "huggingface_hub[hf_transfer]")
    .env({"HF_HUB_ENABLE_HF_TRANSFER": "1"})
)

# Weights and vLLM's compile cache outlive containers, so only the first cold start downloads.
huggingface_cache = modal.Volume.from_name("archive-huggingface-cache", create_if_missing=True)
vllm_cache = modal.Volume.from_name("archive-vllm-cache", create_if_missing=True)

app = modal.App("archive-vllm")


@app.function(
    image=image,
    gpu="L4",  # 24 GB: the 3B model in bf16 plus an 8k-token KV cache with room to batch
    volumes={"/root/.cache/huggingface": huggingface_cache, "/root/.cache/vllm": vllm_cache},
    # Holds VLLM_API_KEY: a modal.run URL is public, so vLLM must demand the key (Archive sends it
    # as INFERENCE_API_KEY). Create it first: modal secret create archive-vllm VLLM_API_KEY=...
    secrets=[modal.Secret.from_name("archive-vllm")],
    scaledown_window=15 * MINUTES,
    timeout=10 * MINUTES,  # longest single request (a long streamed answer)
)
# One container batches many requests (vLLM's continuous batching); Archive's per-endpoint limit
# (INFERENCE_CONCURRENCY) should not exceed this.
@modal.concurrent(max_inputs=32)
@modal.web_server(port=PORT, startup_timeout=15 * MINUTES)
def serve():
    _start_vllm(MODEL, "--max-model-len=8192")


@app.function(
    image=image,
    gpu="L4",  # Whisper large-v3-turbo needs ~2 GB; an L4 is Modal's smallest GPU that vLLM supports well
    volumes={"/root/.cache/huggingface": huggingface_cache, "/root/.cache/vllm": vllm_cache},
    secrets=[modal.Secret.from_name("archive-vllm")],
    scaledown_window=15 * MINUTES,
    timeout=10 * MINUTES,  # a transcription of VOICE_MAX_AUDIO_SECONDS (10 min) of audio fits easily
)
@modal.concurrent(max_inputs=16)
@modal.web_server(port=PORT, startup_timeout=15 * MINUTES)
def serve_whisper():
    _start_vllm(WHISPER_MODEL)


def _start_vllm(model: str, *flags: str) -> None:
    subprocess.Popen(
        [
            "vllm",
            "serve",
            model,
            "--host=0.0.0.0",
            f"--port={PORT}",
            "--gpu-memory-utilization=0.90",  # the GPU is this container's alone
            *flags,
        ]
    )
