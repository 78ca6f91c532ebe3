"""The qualified-inspector programme: exercises on sample devices with planted defects, graded
against an instructor's answer key."""

from workbench.training.grade import Grade, RequirementGrade, grade_case
from workbench.training.key import AnswerKey, Defect, ExpectedAnswer, load_key

__all__ = ["AnswerKey", "Defect", "ExpectedAnswer", "Grade", "RequirementGrade", "grade_case", "load_key"]
