from wagtail import blocks


class NumberedItemBlock(blocks.StructBlock):
    number = blocks.CharBlock(
        required=False,
        label="编号",
        help_text="留空则按顺序自动编号（如“1．”）；原文编号不规则时在此照录。",
    )
    text = blocks.TextBlock(label="内容")

    class Meta:
        label = "条目"


class SectionBlock(blocks.StructBlock):
    """A numbered section of an official document: 一、heading, paragraphs, then items 1．2．…"""

    heading = blocks.CharBlock(label="标题", help_text="不含“一、”等序号：序号按顺序自动生成。")
    paragraphs = blocks.ListBlock(
        blocks.TextBlock(label="段落", help_text="写“{申报截止日期}”或“{申报截止时间}”即显示通知中填写的申报截止时间。"),
        label="段落",
        default=[],
    )
    items = blocks.ListBlock(NumberedItemBlock(), label="条目", default=[])

    class Meta:
        label = "章节"
        icon = "list-ol"
        template = "notices/blocks/section.html"
