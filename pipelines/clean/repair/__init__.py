"""Text repair: undo what broken converters did to a page's text (byte slips, pinyin, lost characters, script)."""
