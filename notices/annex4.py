"""The boxes of 附件4 (申请表), shared by its HTML page and the .docx it is exported as."""

LAYOUT = {
    "school": "申报学校名称（盖章）：",
    "project": "试点项目名称：",
    "leader": "负责人",
    "contact": "联系人",
    "phone": "手机号码",
    "summary": "试点实施方案要点（1000字以内，可另附页）：",
    "district_opinion": "县（市区）教育局意见：",
    "city_opinion": "市（州）教育局意见：",
    "signer": "负责人：",
    "stamp": "盖章：",
    "date": "年　　月　　日",
}
