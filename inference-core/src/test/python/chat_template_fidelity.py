#!/usr/bin/env python3
"""Regenerates the expected renders of the chat template fidelity suite (ChatTemplateFidelityTest).

Test-data tool only: ponder does not run Python. Each real template under
inference-core/src/test/resources/dev/ponder/core/chat/*.jinja is rendered with Python Jinja2 set up the way
Hugging Face transformers' apply_chat_template sets it up (sandboxed environment, trim_blocks, lstrip_blocks,
loopcontrols, tojson with ensure_ascii=False, raise_exception, strftime_now), for every conversation of
fidelity/conversations.json, with add_generation_prompt=True. The renders are written to
fidelity/<template>/<conversation>.txt and committed; the Java test compares ponder's render with them character
for character.

The conversations are written in ponder's request form (tool parameters and call arguments as JSON text). They
are turned into the template variables exactly as ponder's ChatTemplate does: tools become OpenAI function
definitions, tool calls become {"id", "type": "function", "function": {"name", "arguments"}}, and the JSON text
is parsed (key order kept) so that templates which print it with tojson see objects, as vLLM hands them over.

Usage: python3 inference-core/src/test/python/chat_template_fidelity.py   (needs jinja2 >= 3.1)
"""
import json
import os
import sys
from datetime import datetime

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
CHAT = os.path.join(HERE, "..", "resources", "dev", "ponder", "core", "chat")
FIDELITY = os.path.join(CHAT, "fidelity")

# template file -> the special tokens transformers passes for that model (special_tokens_map); Qwen has no BOS.
TEMPLATES = {
    "qwq-32b": {"eos_token": "<|im_end|>"},
    "qwen2.5-instruct": {"eos_token": "<|im_end|>"},
    "qwen3": {"eos_token": "<|im_end|>"},
    "deepseek-r1-distill-qwen": {"bos_token": "<｜begin▁of▁sentence｜>", "eos_token": "<｜end▁of▁sentence｜>"},
    "chatml-finetune": {"eos_token": "<|im_end|>"},
    "python-semantics-probe": {"eos_token": "<|im_end|>"},
}


def environment():
    # As in transformers.utils.chat_template_utils._compile_jinja_template.
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(fmt):
        return datetime.now().strftime(fmt)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def tool_variable(tool):
    function = {"name": tool["name"]}
    if tool.get("description") is not None:
        function["description"] = tool["description"]
    if tool.get("parameters") is not None:
        function["parameters"] = json.loads(tool["parameters"])
    return {"type": "function", "function": function}


def message_variable(message):
    turn = {"role": message["role"], "content": message.get("content") or ""}
    if message.get("tool_calls"):
        calls = []
        for call in message["tool_calls"]:
            entry = {}
            if call.get("id") is not None:
                entry["id"] = call["id"]
            entry["type"] = "function"
            entry["function"] = {"name": call["name"], "arguments": json.loads(call["arguments"])}
            calls.append(entry)
        turn["tool_calls"] = calls
    if message.get("tool_call_id") is not None:
        turn["tool_call_id"] = message["tool_call_id"]
    return turn


def main():
    with open(os.path.join(FIDELITY, "conversations.json"), encoding="utf-8") as f:
        spec = json.load(f)
    tools = [tool_variable(t) for t in spec["tools"]]
    env = environment()
    written = 0
    for name, tokens in TEMPLATES.items():
        with open(os.path.join(CHAT, name + ".jinja"), encoding="utf-8") as f:
            template = env.from_string(f.read())
        out_dir = os.path.join(FIDELITY, name)
        os.makedirs(out_dir, exist_ok=True)
        for conversation in spec["conversations"]:
            variables = dict(tokens)
            variables.update(
                messages=[message_variable(m) for m in conversation["messages"]],
                tools=tools if conversation.get("tools") else None,
                documents=None,
                add_generation_prompt=True,
            )
            text = template.render(**variables)
            # newline="" keeps the text byte for byte (no platform newline translation).
            with open(os.path.join(out_dir, conversation["name"] + ".txt"), "w", encoding="utf-8", newline="") as f:
                f.write(text)
            written += 1
    print(f"wrote {written} expected renders under {os.path.relpath(FIDELITY)}", file=sys.stderr)


if __name__ == "__main__":
    main()
