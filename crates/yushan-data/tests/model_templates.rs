//! The model's own chat template (`Template::Model`) with real templates: the text is what
//! `transformers` renders, the loss covers exactly the answers and their end-of-turn markers, the
//! generation prompt is where training's answers start, and refusals come back as errors.

use yushan_data::{
    ChatTokenizer, Conversation, DataError, JinjaTemplate, Message, Role, Segment, Template, TokenKind,
    build_char_tokenizer, encode_conversation, encode_prompt, end_of_turn, end_of_turn_id, prompt_segments,
    render_segments,
};

// Chat templates as their models' tokenizer_config.json files have them (the JSON string
// values, verbatim), with those files' bos_token and eos_token.

/// Qwen/Qwen2.5-0.5B-Instruct: ChatML, with a default system prompt when there is none.
pub const QWEN2_5: &str = r##"{"bos_token": null, "eos_token": "<|im_end|>", "chat_template": "{%- if tools %}\n    {{- '<|im_start|>system\\n' }}\n    {%- if messages[0]['role'] == 'system' %}\n        {{- messages[0]['content'] }}\n    {%- else %}\n        {{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}\n    {%- endif %}\n    {{- \"\\n\\n# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n<tools>\" }}\n    {%- for tool in tools %}\n        {{- \"\\n\" }}\n        {{- tool | tojson }}\n    {%- endfor %}\n    {{- \"\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\\"name\\\": <function-name>, \\\"arguments\\\": <args-json-object>}\\n</tool_call><|im_end|>\\n\" }}\n{%- else %}\n    {%- if messages[0]['role'] == 'system' %}\n        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}\n    {%- else %}\n        {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}\n    {%- endif %}\n{%- endif %}\n{%- for message in messages %}\n    {%- if (message.role == \"user\") or (message.role == \"system\" and not loop.first) or (message.role == \"assistant\" and not message.tool_calls) %}\n        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n    {%- elif message.role == \"assistant\" %}\n        {{- '<|im_start|>' + message.role }}\n        {%- if message.content %}\n            {{- '\\n' + message.content }}\n        {%- endif %}\n        {%- for tool_call in message.tool_calls %}\n            {%- if tool_call.function is defined %}\n                {%- set tool_call = tool_call.function %}\n            {%- endif %}\n            {{- '\\n<tool_call>\\n{\"name\": \"' }}\n            {{- tool_call.name }}\n            {{- '\", \"arguments\": ' }}\n            {{- tool_call.arguments | tojson }}\n            {{- '}\\n</tool_call>' }}\n        {%- endfor %}\n        {{- '<|im_end|>\\n' }}\n    {%- elif message.role == \"tool\" %}\n        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != \"tool\") %}\n            {{- '<|im_start|>user' }}\n        {%- endif %}\n        {{- '\\n<tool_response>\\n' }}\n        {{- message.content }}\n        {{- '\\n</tool_response>' }}\n        {%- if loop.last or (messages[loop.index0 + 1].role != \"tool\") %}\n            {{- '<|im_end|>\\n' }}\n        {%- endif %}\n    {%- endif %}\n{%- endfor %}\n{%- if add_generation_prompt %}\n    {{- '<|im_start|>assistant\\n' }}\n{%- endif %}\n"}"##;

/// HuggingFaceTB/SmolLM2-135M-Instruct: ChatML, with a default system prompt.
pub const SMOLLM2: &str = r##"{"bos_token": "<|im_start|>", "eos_token": "<|im_end|>", "chat_template": "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"}"##;

/// meta-llama/Meta-Llama-3-8B-Instruct: header tags, trimmed contents, `<|eot_id|>`.
pub const LLAMA3: &str = r##"{"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>", "chat_template": "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"}"##;

/// TinyLlama/TinyLlama-1.1B-Chat-v1.0 (Zephyr's format): `<|user|>` … `</s>`, one block a line.
/// Its bos/eos are AddedToken objects in older configs; written so here to read that form too.
pub const TINYLLAMA: &str = r##"{"bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false}, "eos_token": {"__type": "AddedToken", "content": "</s>", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false}, "chat_template": "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}"}"##;

/// Qwen/Qwen3-8B: ChatML; the last answer gets a `<think>` block, earlier ones lose theirs.
pub const QWEN3: &str = r##"{"bos_token": null, "eos_token": "<|im_end|>", "chat_template": "{%- if tools %}\n    {{- '<|im_start|>system\\n' }}\n    {%- if messages[0].role == 'system' %}\n        {{- messages[0].content + '\\n\\n' }}\n    {%- endif %}\n    {{- \"# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n<tools>\" }}\n    {%- for tool in tools %}\n        {{- \"\\n\" }}\n        {{- tool | tojson }}\n    {%- endfor %}\n    {{- \"\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\\"name\\\": <function-name>, \\\"arguments\\\": <args-json-object>}\\n</tool_call><|im_end|>\\n\" }}\n{%- else %}\n    {%- if messages[0].role == 'system' %}\n        {{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}\n    {%- endif %}\n{%- endif %}\n{%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}\n{%- for message in messages[::-1] %}\n    {%- set index = (messages|length - 1) - loop.index0 %}\n    {%- if ns.multi_step_tool and message.role == \"user\" and message.content is string and not(message.content.startswith('<tool_response>') and message.content.endswith('</tool_response>')) %}\n        {%- set ns.multi_step_tool = false %}\n        {%- set ns.last_query_index = index %}\n    {%- endif %}\n{%- endfor %}\n{%- for message in messages %}\n    {%- if message.content is string %}\n        {%- set content = message.content %}\n    {%- else %}\n        {%- set content = '' %}\n    {%- endif %}\n    {%- if (message.role == \"user\") or (message.role == \"system\" and not loop.first) %}\n        {{- '<|im_start|>' + message.role + '\\n' + content + '<|im_end|>' + '\\n' }}\n    {%- elif message.role == \"assistant\" %}\n        {%- set reasoning_content = '' %}\n        {%- if message.reasoning_content is string %}\n            {%- set reasoning_content = message.reasoning_content %}\n        {%- else %}\n            {%- if '</think>' in content %}\n                {%- set reasoning_content = content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') %}\n                {%- set content = content.split('</think>')[-1].lstrip('\\n') %}\n            {%- endif %}\n        {%- endif %}\n        {%- if loop.index0 > ns.last_query_index %}\n            {%- if loop.last or (not loop.last and reasoning_content) %}\n                {{- '<|im_start|>' + message.role + '\\n<think>\\n' + reasoning_content.strip('\\n') + '\\n</think>\\n\\n' + content.lstrip('\\n') }}\n            {%- else %}\n                {{- '<|im_start|>' + message.role + '\\n' + content }}\n            {%- endif %}\n        {%- else %}\n            {{- '<|im_start|>' + message.role + '\\n' + content }}\n        {%- endif %}\n        {%- if message.tool_calls %}\n            {%- for tool_call in message.tool_calls %}\n                {%- if (loop.first and content) or (not loop.first) %}\n                    {{- '\\n' }}\n                {%- endif %}\n                {%- if tool_call.function %}\n                    {%- set tool_call = tool_call.function %}\n                {%- endif %}\n                {{- '<tool_call>\\n{\"name\": \"' }}\n                {{- tool_call.name }}\n                {{- '\", \"arguments\": ' }}\n                {%- if tool_call.arguments is string %}\n                    {{- tool_call.arguments }}\n                {%- else %}\n                    {{- tool_call.arguments | tojson }}\n                {%- endif %}\n                {{- '}\\n</tool_call>' }}\n            {%- endfor %}\n        {%- endif %}\n        {{- '<|im_end|>\\n' }}\n    {%- elif message.role == \"tool\" %}\n        {%- if loop.first or (messages[loop.index0 - 1].role != \"tool\") %}\n            {{- '<|im_start|>user' }}\n        {%- endif %}\n        {{- '\\n<tool_response>\\n' }}\n        {{- content }}\n        {{- '\\n</tool_response>' }}\n        {%- if loop.last or (messages[loop.index0 + 1].role != \"tool\") %}\n            {{- '<|im_end|>\\n' }}\n        {%- endif %}\n    {%- endif %}\n{%- endfor %}\n{%- if add_generation_prompt %}\n    {{- '<|im_start|>assistant\\n' }}\n    {%- if enable_thinking is defined and enable_thinking is false %}\n        {{- '<think>\\n\\n</think>\\n\\n' }}\n    {%- endif %}\n{%- endif %}"}"##;

/// google/gemma-2-9b-it: refuses a system turn with `raise_exception`.
pub const GEMMA2: &str = r##"{"bos_token": "<bos>", "eos_token": "<eos>", "chat_template": "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}"}"##;

/// Each model's special tokens, as its tokenizer.json marks them (a turn ends with the first).
fn specials(config: &str) -> &'static [&'static str] {
    match config {
        c if c == LLAMA3 => &["<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"],
        c if c == TINYLLAMA => &["<s>", "</s>", "<unk>"],
        c if c == GEMMA2 => &["<bos>", "<eos>", "<start_of_turn>", "<end_of_turn>"],
        _ => &["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
    }
}

fn template(config: &str) -> JinjaTemplate {
    let json: serde_json::Value = serde_json::from_str(config).unwrap();
    let token = |field: &str| match &json[field] {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(o) => o["content"].as_str().unwrap().to_string(),
        _ => String::new(),
    };
    JinjaTemplate::new(json["chat_template"].as_str().unwrap(), &token("bos_token"), &token("eos_token"))
        .unwrap()
        .with_special_tokens(specials(config).iter().copied())
}

fn m(role: Role, content: &str) -> Message {
    Message::new(role, content)
}

/// A system message and two questions, each answered.
fn conversation() -> Vec<Message> {
    vec![
        m(Role::System, "You are terse."),
        m(Role::User, "Highest peak in Taiwan?"),
        m(Role::Assistant, "Yushan."),
        m(Role::User, "How high?"),
        m(Role::Assistant, "3952 m."),
    ]
}

fn text(segments: &[Segment]) -> String {
    segments.iter().map(|s| s.text.as_str()).collect()
}

fn trained(segments: &[Segment]) -> Vec<&str> {
    segments.iter().filter(|s| s.carries_loss).map(|s| s.text.as_str()).collect()
}

/// Renders, splits and checks what every template must satisfy; returns the segments.
fn check(config: &str, messages: &[Message], rendered: &str, loss: &[&str], prompt: &str) -> Vec<Segment> {
    let t = template(config);
    assert_eq!(t.render(messages, false).unwrap(), rendered);
    let segments = t.segments(messages).unwrap();
    assert_eq!(text(&segments), rendered, "the segments are the whole text");
    assert_eq!(trained(&segments), loss);
    for s in &segments {
        assert_eq!(
            s.carries_loss,
            s.role == Role::Assistant && matches!(s.kind, TokenKind::Assistant | TokenKind::EndOfTurn),
            "{s:?}"
        );
    }
    // The prompt after the first question is the text before the first answer.
    let history = &messages[..messages.iter().position(|m| m.role == Role::Assistant).unwrap()];
    assert_eq!(t.render(history, true).unwrap(), prompt);
    assert_eq!(text(&t.prompt_segments(history).unwrap()), prompt);
    assert!(rendered.starts_with(prompt));
    segments
}

#[test]
fn qwen2_5_is_chatml_with_a_default_system_prompt() {
    let rendered = "<|im_start|>system\nYou are terse.<|im_end|>\n\
        <|im_start|>user\nHighest peak in Taiwan?<|im_end|>\n\
        <|im_start|>assistant\nYushan.<|im_end|>\n\
        <|im_start|>user\nHow high?<|im_end|>\n\
        <|im_start|>assistant\n3952 m.<|im_end|>\n";
    let prompt = "<|im_start|>system\nYou are terse.<|im_end|>\n\
        <|im_start|>user\nHighest peak in Taiwan?<|im_end|>\n<|im_start|>assistant\n";
    let segments =
        check(QWEN2_5, &conversation(), rendered, &["Yushan.", "<|im_end|>", "3952 m.", "<|im_end|>"], prompt);
    let tags: Vec<&str> = segments.iter().filter(|s| s.kind == TokenKind::RoleTag).map(|s| s.text.as_str()).collect();
    assert_eq!(tags[..2], ["<|im_start|>system\n", "<|im_start|>user\n"]);
    let separators = segments.iter().filter(|s| s.kind == TokenKind::Separator && s.text == "\n").count();
    assert_eq!(separators, 5, "the newline after each <|im_end|> is not trained");

    // No system message: the template writes its own, as scaffolding of the first turn.
    let pair = [m(Role::User, "Hi"), m(Role::Assistant, "Hello!")];
    let t = template(QWEN2_5);
    let segments = t.segments(&pair).unwrap();
    assert_eq!(
        text(&segments),
        "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n\
         <|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n"
    );
    assert_eq!(segments[0].kind, TokenKind::RoleTag);
    assert_eq!(trained(&segments), ["Hello!", "<|im_end|>"]);
    assert_eq!(t.end_of_turn().as_deref(), Some("<|im_end|>"));
}

#[test]
fn smollm2_adds_its_system_prompt_only_when_there_is_none() {
    let rendered = "<|im_start|>system\nYou are terse.<|im_end|>\n\
        <|im_start|>user\nHighest peak in Taiwan?<|im_end|>\n\
        <|im_start|>assistant\nYushan.<|im_end|>\n\
        <|im_start|>user\nHow high?<|im_end|>\n\
        <|im_start|>assistant\n3952 m.<|im_end|>\n";
    let prompt = "<|im_start|>system\nYou are terse.<|im_end|>\n\
        <|im_start|>user\nHighest peak in Taiwan?<|im_end|>\n<|im_start|>assistant\n";
    check(SMOLLM2, &conversation(), rendered, &["Yushan.", "<|im_end|>", "3952 m.", "<|im_end|>"], prompt);
    let t = template(SMOLLM2);
    assert_eq!(
        t.render(&[m(Role::User, "Hi")], true).unwrap(),
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n\
         <|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    );
    assert_eq!(t.end_of_turn().as_deref(), Some("<|im_end|>"));
}

#[test]
fn llama3_trims_contents_and_ends_turns_with_eot_id() {
    let mut messages = conversation();
    messages[2].content = "  Yushan.\n".into(); // the template trims it
    let rendered = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>\
        <|start_header_id|>user<|end_header_id|>\n\nHighest peak in Taiwan?<|eot_id|>\
        <|start_header_id|>assistant<|end_header_id|>\n\nYushan.<|eot_id|>\
        <|start_header_id|>user<|end_header_id|>\n\nHow high?<|eot_id|>\
        <|start_header_id|>assistant<|end_header_id|>\n\n3952 m.<|eot_id|>";
    let prompt = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>\
        <|start_header_id|>user<|end_header_id|>\n\nHighest peak in Taiwan?<|eot_id|>\
        <|start_header_id|>assistant<|end_header_id|>\n\n";
    let segments = check(LLAMA3, &messages, rendered, &["Yushan.", "<|eot_id|>", "3952 m.", "<|eot_id|>"], prompt);
    assert_eq!(segments[0].text, "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n");
    assert!(!segments.iter().any(|s| s.kind == TokenKind::Separator), "nothing between turns");
    assert_eq!(template(LLAMA3).end_of_turn().as_deref(), Some("<|eot_id|>"));
}

#[test]
fn tinyllama_ends_every_turn_with_eos_and_a_newline() {
    let rendered = "<|system|>\nYou are terse.</s>\n\
        <|user|>\nHighest peak in Taiwan?</s>\n\
        <|assistant|>\nYushan.</s>\n\
        <|user|>\nHow high?</s>\n\
        <|assistant|>\n3952 m.</s>\n";
    let prompt = "<|system|>\nYou are terse.</s>\n<|user|>\nHighest peak in Taiwan?</s>\n<|assistant|>\n";
    check(TINYLLAMA, &conversation(), rendered, &["Yushan.", "</s>", "3952 m.", "</s>"], prompt);
    assert_eq!(template(TINYLLAMA).end_of_turn().as_deref(), Some("</s>"));
}

#[test]
fn qwen3_thinks_in_the_last_answer_and_drops_earlier_thoughts() {
    let mut messages = conversation();
    messages[2].content = "<think>\nRecall the atlas.\n</think>\n\nYushan.".into();
    // The earlier answer loses its reasoning; the last one gets an empty <think> block.
    let rendered = "<|im_start|>system\nYou are terse.<|im_end|>\n\
        <|im_start|>user\nHighest peak in Taiwan?<|im_end|>\n\
        <|im_start|>assistant\nYushan.<|im_end|>\n\
        <|im_start|>user\nHow high?<|im_end|>\n\
        <|im_start|>assistant\n<think>\n\n</think>\n\n3952 m.<|im_end|>\n";
    let prompt = "<|im_start|>system\nYou are terse.<|im_end|>\n\
        <|im_start|>user\nHighest peak in Taiwan?<|im_end|>\n<|im_start|>assistant\n";
    // Everything the model writes after the generation prompt is trained, the block included.
    let loss = ["Yushan.", "<|im_end|>", "<think>\n\n</think>\n\n3952 m.", "<|im_end|>"];
    check(QWEN3, &messages, rendered, &loss, prompt);
    assert_eq!(template(QWEN3).end_of_turn().as_deref(), Some("<|im_end|>"));
}

#[test]
fn a_template_that_refuses_a_conversation_says_why() {
    let t = template(GEMMA2);
    let err = t.segments(&conversation()).unwrap_err();
    assert!(matches!(err, DataError::ChatTemplate(_)));
    assert_eq!(err.to_string(), "the model's chat template refused the conversation: System role not supported");
    let err = t.render(&[m(Role::Assistant, "Hi")], false).unwrap_err().to_string();
    assert!(err.ends_with("Conversation roles must alternate user/assistant/user/assistant/..."), "{err}");
    // Without the system turn it renders, and trains on the answers.
    let segments = t.segments(&conversation()[1..]).unwrap();
    assert_eq!(trained(&segments), ["Yushan.", "<end_of_turn>", "3952 m.", "<end_of_turn>"]);

    // Through encoding, the error names the conversation.
    let tok = tokenizer_with(GEMMA2);
    let conversation = Conversation { messages: conversation() };
    let err = encode_conversation(&conversation, 2, Template::Model, &tok, 1000).unwrap_err().to_string();
    assert_eq!(err, "conversation 3: the model's chat template refused the conversation: System role not supported");
}

/// A character-level tokenizer that knows every character of the rendered conversations, with
/// `config` read as the model's tokenizer_config.json.
fn tokenizer_with(config: &str) -> ChatTokenizer {
    let t = template(config);
    let all = conversation();
    let texts = [t.render(&all, false).unwrap_or_default(), t.render(&all[1..], true).unwrap_or_default()];
    build_char_tokenizer(&[&texts[0], &texts[1]]).with_config_json(config).unwrap()
}

#[test]
fn the_token_mask_covers_the_answers_and_prompts_encode_as_training_does() {
    for config in [QWEN2_5, SMOLLM2, LLAMA3, TINYLLAMA, QWEN3] {
        let tok = tokenizer_with(config);
        let t = tok.chat_template().expect("the config has a chat_template");
        let messages = conversation();
        let e = encode_conversation(&Conversation { messages: messages.clone() }, 0, Template::Model, &tok, 10_000)
            .unwrap();
        assert_eq!(tok.decode(&e.ids), t.render(&messages, false).unwrap());
        let segments = render_segments(&messages, Template::Model, &tok).unwrap();
        let masked: String =
            e.ids.iter().zip(&e.loss_mask).filter(|(_, m)| **m).map(|(i, _)| tok.decode(&[*i])).collect();
        assert_eq!(masked, trained(&segments).concat());
        // Before each answer, the prompt for that history is exactly the example's first ids.
        for (i, _) in messages.iter().enumerate().filter(|(_, m)| m.role == Role::Assistant) {
            let prompt = encode_prompt(&messages[..i], Template::Model, &tok).unwrap();
            assert_eq!(e.ids[..prompt.len()], prompt[..], "turn {i}");
            assert!(e.loss_mask[prompt.len()] && !e.loss_mask[prompt.len() - 1], "turn {i}");
            assert_eq!(text(&prompt_segments(&messages[..i], Template::Model, &tok).unwrap()), tok.decode(&prompt));
        }
        let eot = end_of_turn(Template::Model, &tok).unwrap();
        assert_eq!(tok.token_id(&eot), end_of_turn_id(Template::Model, &tok));
    }
}

#[test]
fn tokenizer_config_json_is_read_in_its_forms() {
    let base = build_char_tokenizer(&["ab"]);
    assert!(base.chat_template().is_none());
    let err = encode_prompt(&[m(Role::User, "a")], Template::Model, &base).unwrap_err().to_string();
    assert_eq!(err, "this model has no chat_template in tokenizer_config.json; use plain or chatml");
    assert_eq!(end_of_turn_id(Template::Model, &base), None);

    // AddedToken objects, and the list form: "default" is taken.
    let list = r#"{"eos_token": {"content": "<|im_end|>"}, "bos_token": null, "chat_template": [
        {"name": "tool_use", "template": "tools"},
        {"name": "default", "template": "{{ bos_token }}{% for m in messages %}[{{ m.content }}]{{ eos_token }}{% endfor %}"}]}"#;
    let tok = base.clone().with_config_json(list).unwrap();
    assert_eq!((tok.bos_token(), tok.eos_token()), ("", "<|im_end|>"));
    let t = tok.chat_template().unwrap();
    assert_eq!(t.render(&[m(Role::User, "a")], false).unwrap(), "[a]<|im_end|>");

    // A config with no chat_template keeps one set from chat_template.jinja.
    let jinja = base
        .clone()
        .with_config_json(r#"{"eos_token": "</s>"}"#)
        .unwrap()
        .with_chat_template("{{ eos_token }}")
        .unwrap();
    assert_eq!(jinja.chat_template().unwrap().render(&[], false).unwrap(), "</s>");
    assert!(base.clone().with_config_json(r#"{"eos_token": "</s>"}"#).unwrap().chat_template().is_none());

    let refuse = |config: &str| base.clone().with_config_json(config).unwrap_err().to_string();
    assert_eq!(
        refuse(r#"{"chat_template": [{"name": "rag", "template": "x"}]}"#),
        "tokenizer_config.json: chat_template: the list has no template named \"default\" (it has: rag)"
    );
    assert_eq!(
        refuse(r#"{"chat_template": 3}"#),
        "tokenizer_config.json: chat_template: expected a string or a list of {name, template}, found 3"
    );
    assert_eq!(
        refuse(r#"{"eos_token": {"id": 2}}"#),
        "tokenizer_config.json: eos_token: an object without a \"content\" string"
    );
    assert!(
        refuse(r#"{"chat_template": "{% for %}"}"#)
            .starts_with("tokenizer_config.json: chat_template does not parse: ")
    );
    assert!(refuse("{").starts_with("tokenizer_config.json: "));
}

#[test]
fn rendering_follows_transformers_whitespace_and_globals() {
    let t = |source: &str| JinjaTemplate::new(source, "<s>", "</s>").unwrap();
    // trim_blocks and lstrip_blocks; one newline at the end of the source is dropped.
    assert_eq!(t("{% if true %}\n  a\n  {% endif %}\nb\n").render(&[], false).unwrap(), "  a\nb");
    // A fixed date, so the same data renders the same every day.
    assert_eq!(t("{{ strftime_now('%d %b %Y') }}").render(&[], false).unwrap(), "26 Jul 2024");
    // Python string methods, and no tools.
    let source =
        "{{ messages[0].content.strip().upper() }}{{ messages[0]['content'].startswith(' x') }}{{ tools is none }}";
    assert_eq!(t(source).render(&[m(Role::User, " x y ")], false).unwrap(), "X YTrueTrue");
}

#[test]
fn qwen3_without_thinking_prompts_with_an_empty_think_block() {
    // As transformers' apply_chat_template(..., enable_thinking=False) renders it (the text
    // below is what the template's last lines write, and what Python's jinja2 gives).
    let off = template(QWEN3).with_variable("enable_thinking", serde_json::json!(false)).unwrap();
    let prompt = "<|im_start|>system\nYou are terse.<|im_end|>\n\
        <|im_start|>user\nHighest peak in Taiwan?<|im_end|>\n\
        <|im_start|>assistant\n<think>\n\n</think>\n\n";
    let messages = conversation();
    assert_eq!(off.render(&messages[..2], true).unwrap(), prompt);
    assert_eq!(off.generation_prompt(&messages[..2]).unwrap(), "<|im_start|>assistant\n<think>\n\n</think>\n\n");
    assert_eq!(text(&off.prompt_segments(&messages[..2]).unwrap()), prompt);
    // In training the block is part of the prompt, not something the model learns to write;
    // the earlier answer has none (the template drops it from history).
    let rendered = "<|im_start|>system\nYou are terse.<|im_end|>\n\
        <|im_start|>user\nHighest peak in Taiwan?<|im_end|>\n\
        <|im_start|>assistant\nYushan.<|im_end|>\n\
        <|im_start|>user\nHow high?<|im_end|>\n\
        <|im_start|>assistant\n<think>\n\n</think>\n\n3952 m.<|im_end|>\n";
    let segments = off.segments(&messages).unwrap();
    assert_eq!(text(&segments), rendered);
    assert_eq!(trained(&segments), ["Yushan.", "<|im_end|>", "3952 m.", "<|im_end|>"]);
    assert_eq!(off.end_of_turn().as_deref(), Some("<|im_end|>"));

    // true renders as leaving it undefined does (the template only tests `is false`).
    let on = template(QWEN3).with_variable("enable_thinking", serde_json::json!(true)).unwrap();
    for t in [&on, &template(QWEN3)] {
        assert_eq!(t.render(&messages[..2], true).unwrap(), prompt.strip_suffix("<think>\n\n</think>\n\n").unwrap());
        assert_eq!(
            trained(&t.segments(&messages).unwrap()),
            ["Yushan.", "<|im_end|>", "<think>\n\n</think>\n\n3952 m.", "<|im_end|>"]
        );
    }

    // Through the tokenizer: a one-question example starts with exactly the prompt's ids.
    let tok = tokenizer_with(QWEN3).with_template_variable("enable_thinking", serde_json::json!(false)).unwrap();
    let example = Conversation { messages: messages[..3].to_vec() };
    let e = encode_conversation(&example, 0, Template::Model, &tok, 10_000).unwrap();
    let prompt_ids = encode_prompt(&messages[..2], Template::Model, &tok).unwrap();
    assert_eq!(tok.decode(&prompt_ids), prompt);
    assert_eq!(e.ids[..prompt_ids.len()], prompt_ids[..]);
    assert!(e.loss_mask[prompt_ids.len()] && !e.loss_mask[prompt_ids.len() - 1]);
}

#[test]
fn template_variables_are_checked() {
    assert!(template(QWEN3).reads_variable("enable_thinking"));
    assert!(!template(QWEN2_5).reads_variable("enable_thinking"));
    let err = template(QWEN3).with_variable("messages", serde_json::json!([])).unwrap_err().to_string();
    assert_eq!(err, "`messages` is set by the renderer itself and cannot be a template variable");
    let err =
        build_char_tokenizer(&["ab"]).with_template_variable("enable_thinking", serde_json::json!(false)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "this model has no chat_template in tokenizer_config.json to set `enable_thinking` for"
    );
    // Any JSON value reaches the template as the Python value transformers would pass.
    let source = "{{ flag is false }} {{ n + 1 }} {{ names | join(',') }} {{ opts.mode }} {{ none is none }}";
    let variables = [
        ("flag", serde_json::json!(false)),
        ("n", serde_json::json!(2)),
        ("names", serde_json::json!(["a", "b"])),
        ("opts", serde_json::json!({"mode": "x"})),
        ("none", serde_json::json!(null)),
    ];
    let t = variables
        .into_iter()
        .fold(JinjaTemplate::new(source, "", "").unwrap(), |t, (k, v)| t.with_variable(k, v).unwrap());
    assert_eq!(t.render(&[], false).unwrap(), "True 3 a,b x True");
}

#[test]
fn a_template_that_never_ends_is_stopped_with_a_message_instead_of_hanging() {
    let endless = "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}";
    let started = std::time::Instant::now();
    // It would run on every conversation: refused as it loads.
    let err = JinjaTemplate::new(endless, "", "").unwrap_err().to_string();
    assert!(err.contains("ran more than 20 million steps on one conversation and was stopped"), "{err}");
    // One that runs away only on longer conversations loads, and stops there.
    let late = format!(
        "{{% if messages|length > 2 %}}{endless}{{% endif %}}{{% for m in messages %}}{{{{ m['content'] }}}}\n{{% endfor %}}"
    );
    let t = JinjaTemplate::new(&late, "", "").unwrap();
    assert_eq!(t.render(&conversation()[1..3], false).unwrap(), "Highest peak in Taiwan?\nYushan.\n");
    let err = t.render(&conversation(), false).unwrap_err().to_string();
    assert!(err.contains("was stopped (a loop that does not end?)"), "{err}");
    eprintln!("both stopped after {:?}", started.elapsed());
}
